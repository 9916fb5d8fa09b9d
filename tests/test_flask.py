"""Flask integration: `flask db upgrade` (Flask-Migrate) on our revisions and
`flask migrate …` with the toolkit's commands, through Flask's CLI runner."""
from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

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


def test_flask_migrate_export_validate_status(backend, server, tmp_path, monkeypatch):
    url = server.database("tiku", seeded=True)
    monkeypatch.chdir(tmp_path)
    app = make_app("tiku", url)
    runner = app.test_cli_runner()
    out = tmp_path / "backups" / "daily_backup.json"
    result = runner.invoke(args=["migrate", "export", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    header = json.loads(out.read_text(encoding="utf-8"))
    assert header["system"] == "tiku" and header["counts"]["questions"] == 1000

    result = runner.invoke(args=["migrate", "validate", str(out)])
    assert result.exit_code == 0, result.output

    result = runner.invoke(args=["migrate", "status", "--json"])
    assert result.exit_code == 0, result.output
    [st] = json.loads(result.output)
    assert st["system"] == "tiku" and st["pending"] == []


def test_flask_migrate_reports_a_user_error_in_one_line(tmp_path):
    app = make_app("tiku", f"sqlite:///{tmp_path / 'missing.db'}")
    result = app.test_cli_runner().invoke(args=["migrate", "export", "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output
