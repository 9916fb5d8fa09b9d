"""Flask integration: `flask db upgrade` (Flask-Migrate) on our revisions and
`flask migrate …` with the toolkit's commands, through Flask's CLI runner."""
from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from tests import importing
from tests.databases import PROJECT, REPO
from toolkit import migrate
from toolkit.flask import init_app


def make_app(system: str, url: str) -> Flask:
    app = Flask(f"{system}_app")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)
    migrate_ext = Migrate(app, db)
    init_app(app, system, migrate=migrate_ext, config=str(REPO / "alembic.ini"))
    return app


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_flask_db_upgrade_runs_our_revisions(backend, server, engines, system):
    url = server.empty()
    app = make_app(system, url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.current(engines(url)) == migrate.heads(system, PROJECT)[0]


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_flask_migrate_commands_back_up_and_restore(backend, server, tmp_path, monkeypatch, system):
    source = server.database(system, seeded=True)
    monkeypatch.chdir(tmp_path)
    runner = make_app(system, source).test_cli_runner()
    out = tmp_path / "backups" / "daily_backup.json"
    result = runner.invoke(args=["migrate", "export", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    header = json.loads(out.read_text(encoding="utf-8"))
    assert header["system"] == system and sum(header["counts"].values()) > 10000

    result = runner.invoke(args=["migrate", "validate", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["migrate", "status", "--json"])
    assert result.exit_code == 0, result.output
    [st] = json.loads(result.output)
    assert st["system"] == system and st["pending"] == []
    assert st["backup"]["path"].endswith("daily_backup.json") and st["backup"]["version"]

    # a second deployment: `flask db upgrade`, then `flask migrate import`
    target = server.empty()
    other = make_app(system, target).test_cli_runner()
    assert other.invoke(args=["db", "upgrade"]).exit_code == 0
    result = other.invoke(args=["migrate", "import", str(out), "--conflict", "skip"])
    assert result.exit_code == 0, result.output
    # every record and id as exported (password hashes are never exported, so not compared)
    assert importing.exported(target, system)[1] == importing.exported(source, system)[1]
    result = other.invoke(args=["migrate", "import", str(out), "--conflict", "skip", "--quiet"])
    assert result.exit_code == 0 and "inserted" in result.output  # the summary line


def test_flask_migrate_upgrade_archive(tmp_path):
    sample = REPO / "dataformat" / "tiku" / "examples" / "tiku-1.0-sample.json.gz"
    app = make_app("tiku", f"sqlite:///{tmp_path / 'app.db'}")
    out = tmp_path / "upgraded.json"
    result = app.test_cli_runner().invoke(args=["migrate", "upgrade-archive", str(sample),
                                                "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "1.2"


def test_flask_migrate_reports_a_user_error_in_one_line(tmp_path):
    app = make_app("tiku", f"sqlite:///{tmp_path / 'missing.db'}")
    result = app.test_cli_runner().invoke(args=["migrate", "export", "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output
