"""Archive upgrade steps: a registry, a plan, then the run.

Each system's steps live in ``dataformat/<system>/steps.py`` and register
themselves with :func:`step`::

    @step("tiku", "1.0", "1.1")
    def add_question_source(archive: Archive) -> Archive:
        ...

A step takes the archive at its source version and returns it at the target
version (header and record stream), doing to the records exactly what the
paired Alembic revision does to the tables. It streams module by module; it
may call ``archive.modules()`` again to read the input a second time.
:func:`plan` lists the steps first (so ``--dry-run`` can print it);
:func:`run` chains them lazily.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toolkit import config as tk_config
from toolkit import versions
from toolkit.archive import Archive
from toolkit.errors import VersionError
from toolkit.schemas import VersionSchema

StepFn = Callable[[Archive], Archive]


@dataclass(frozen=True)
class Step:
    system: str
    source: str
    target: str
    fn: StepFn

    @property
    def description(self) -> str:
        doc = (self.fn.__doc__ or self.fn.__name__).strip().splitlines()[0]
        return f"{self.source} → {self.target}: {doc}"


_STEPS: dict[tuple[str, str], Step] = {}
_LOADED: set[Path] = set()


def step(system: str, source: str, target: str) -> Callable[[StepFn], StepFn]:
    """Register ``fn`` as the upgrade of ``system``'s archives from ``source`` to ``target``."""
    def register(fn: StepFn) -> StepFn:
        _STEPS[(system, source)] = Step(system, source, target, fn)
        return fn
    return register


def steps_file(system: str, project: tk_config.Project | None = None) -> Path:
    return (project or tk_config.find_project()).dataformat(system) / "steps.py"


def load_steps(system: str, project: tk_config.Project | None = None) -> None:
    path = steps_file(system, project).resolve()
    if path in _LOADED or not path.is_file():
        return
    spec = importlib.util.spec_from_file_location(f"toolkit_dataformat_{system}_steps", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _LOADED.add(path)


def registered(system: str, source: str) -> Step | None:
    return _STEPS.get((system, source))


def plan(system: str, source: str, target: str | None = None,
         project: tk_config.Project | None = None) -> list[Step]:
    """The steps from ``source`` to ``target`` (default: newest). Downgrades are refused."""
    load_steps(system, project)
    chain = [s.version for s in versions.chain(system, project)]
    target = target or chain[-1]
    for v in (source, target):
        if v not in chain:
            raise VersionError(f"{system} has no format version {v} (known: {', '.join(chain)})")
    i, j = chain.index(source), chain.index(target)
    if j < i:
        raise VersionError(f"cannot downgrade an archive from {source} to {target}",
                           hint="archives only move forward; export again from a database "
                                f"at {target} instead")
    out = []
    for a, b in zip(chain[i:j], chain[i + 1:j + 1]):
        st = registered(system, a)
        if st is None or st.target != b:
            raise VersionError(f"{system} has no upgrade step {a} → {b}",
                               hint=f"write it in dataformat/{system}/steps.py")
        out.append(st)
    return out


def run(archive: Archive, steps: list[Step], project: tk_config.Project | None = None,
        check: Callable[[Archive, VersionSchema], Archive] | None = None) -> Archive:
    """Chain ``steps`` over ``archive``; ``check`` wraps each result with validation."""
    for st in steps:
        archive = st.fn(archive)
        target = versions.schema(st.system, st.target, project)
        archive.header["version"] = target.version
        archive.header["schema_revision"] = target.revision
        if check is not None:
            archive = check(archive, target)
    return archive
