"""`toolkit status`: revision, pending migrations, version, rows, newest backup."""
from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import make_url

from click.testing import CliRunner

from tests.databases import PROJECT, REPO
from toolkit import config, migrate, systems
from toolkit.cli import cli

CONFIG = ["--config", str(REPO / "alembic.ini")]


def test_status_of_a_seeded_database_at_head(backend, server, tmp_path, monkeypatch):
    url = server.database("tiku", seeded=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*CONFIG, "status", "--system", "tiku", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    [st] = json.loads(result.output)
    assert st["revision"] == st["head"] == migrate.heads("tiku", PROJECT)[0]
    assert st["pending"] == [] and st["version"] is not None
    rows = {m["key"]: m for m in st["modules"]}
    assert set(rows) == {m.key for m in systems.get("tiku").modules}
    assert rows["questions"]["label"] == "题目" and rows["questions"]["rows"] == 1000
    assert st["backup"] is None


@pytest.mark.backends("postgresql")
def test_status_masks_the_password(backend, server):
    # trust authentication ignores the password, so the URL still connects
    url = make_url(server.database("dudao")).set(password="s3cret-pw").render_as_string(
        hide_password=False)
    result = CliRunner().invoke(cli, [*CONFIG, "status", "--system", "dudao", "--db", url])
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output and "***" in result.output


def test_status_lists_pending_migrations_of_an_old_database(backend, server):
    url = server.database("tiku", "tiku_0001")
    result = CliRunner().invoke(cli, [*CONFIG, "status", "--system", "tiku", "--db", url])
    assert result.exit_code == 0, result.output
    assert "format 1.0" in result.output and "pending" in result.output
    assert "tiku_0002" in result.output


def test_status_refuses_a_database_not_under_alembic(backend, server):
    url = server.empty()
    engine = config.make_engine(url, create=True)
    engine.connect().close()  # SQLite makes the (empty) file on first connect
    engine.dispose()
    result = CliRunner().invoke(cli, [*CONFIG, "status", "--system", "dudao", "--db", url])
    assert result.exit_code == 1
    assert "is empty" in result.output and "toolkit db upgrade --system dudao" in result.output
    assert "Traceback" not in result.output


def test_status_of_a_missing_sqlite_file(tmp_path):
    result = CliRunner().invoke(cli, [*CONFIG, "status", "--system", "tiku",
                                      "--db", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 1 and "does not exist" in result.output
