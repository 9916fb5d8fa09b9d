# Quick start: `make demo` (the main job on SQLite) and `make test` (the whole suite).
# Each target creates the virtual environment it needs by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := build/demo

.PHONY: demo test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,flask]'
	touch $@

venv: $(BIN)/.installed

demo: $(BIN)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m toolkit.demo $(DEMO)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# make bench [SCALE=100] [DB=postgresql://postgres@127.0.0.1:5432/test]
SCALE ?= 100
bench: $(BIN)/.installed
	$(BIN)/python bench/run.py --scale $(SCALE) $(if $(DB),--db $(DB))

clean:
	rm -rf $(VENV) build
