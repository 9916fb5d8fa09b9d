"""``toolkit db adopt`` on databases made without the toolkit, on every engine."""
from __future__ import annotations

import contextlib
import io

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.databases import PROJECT
from toolkit import adopt, migrate
from toolkit import config as tk_config
from toolkit.cli import cli

FOREIGN = "3f2a9c1d7e5b"  # what Flask-Migrate leaves in alembic_version


def plain_ddl(system: str, url: str, revision: str) -> list[str]:
    """The CREATE statements of ``revision`` for url's engine, without Alembic's own table."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        migrate.upgrade(system, url, revision, project=PROJECT, sql=True)
    statements = []
    for chunk in out.getvalue().split(";\n"):
        sql = "\n".join(l for l in chunk.splitlines() if not l.startswith("--")).strip()
        if sql and sql not in ("BEGIN", "COMMIT") and "alembic_version" not in sql:
            statements.append(sql)
    return statements


def app_database(server, engines, *, drop_column: str | None = None):
    """A tiku 1.0 database as the app made it: plain CREATE TABLEs and a foreign revision."""
    url = server.empty()
    path = tk_config.sqlite_path(url)
    if path is not None:
        path.touch()  # the app made the file; the toolkit opens only existing ones
    engine = engines(url)
    ddl = plain_ddl("tiku", url, "tiku_0001")
    assert any(s.startswith("CREATE TABLE questions") for s in ddl)
    with engine.begin() as conn:
        for sql in ddl:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL "
                             "PRIMARY KEY)")
        conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{FOREIGN}')")
        if drop_column:
            table, column = drop_column.split(".")
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    return url, engine


def test_adopt_stamps_plain_1_0_tables_replacing_flask_migrate(server, engines):
    url, engine = app_database(server, engines)

    done = adopt.adopt("tiku", url, project=PROJECT)

    assert (done.version, done.revision, done.previous) == ("1.0", "tiku_0001", FOREIGN)
    assert migrate.current(engine) == "tiku_0001"
    # adopted means usable: the next revisions apply on top
    migrate.upgrade("tiku", url, "head", project=PROJECT)
    engine.dispose()
    assert migrate.current(engine) == "tiku_0003"
    assert "exam_paper_questions" in sa.inspect(engine).get_table_names()


def test_adopt_refuses_missing_column_and_changes_nothing(server, engines):
    url, engine = app_database(server, engines, drop_column="questions.analysis")
    tables_before = sorted(sa.inspect(engine).get_table_names())

    with pytest.raises(adopt.NoMatchError) as err:
        adopt.adopt("tiku", url, project=PROJECT)

    assert err.value.closest.version == "1.0"
    assert err.value.differences == ["column questions.analysis is missing"]
    engine.dispose()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() \
            == [FOREIGN]
    assert sorted(sa.inspect(engine).get_table_names()) == tables_before


def test_adopt_tells_the_versions_apart(server, engines):
    url = server.database("tiku", "tiku_0002")
    engine = engines(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")

    done = adopt.adopt("tiku", url, project=PROJECT)

    assert (done.version, done.revision, done.previous) == ("1.1", "tiku_0002", None)
    assert migrate.current(engine) == "tiku_0002"


@pytest.mark.backends("sqlite")
def test_cli_db_adopt(server, engines):
    url, engine = app_database(server, engines)
    runner = CliRunner()
    args = ["--config", str(PROJECT.ini), "db", "adopt", "--system", "tiku", "--db", url]

    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert ok.output == (f"tiku: the database matches format 1.0; stamped tiku_0001, "
                         f"replacing revision {FOREIGN}\n")
    assert migrate.current(engine) == "tiku_0001"

    bad_url, bad_engine = app_database(server, engines, drop_column="exam_papers.time_limit")
    bad = runner.invoke(cli, [*args[:-1], bad_url])
    assert bad.exit_code == 1
    assert bad.output.splitlines() == [
        "Error: the tiku database matches no format version; nothing was changed. Closest is "
        "1.0 (tiku_0001), which differs in 1 place(s):",
        "  column exam_papers.time_limit is missing",
    ]
    assert migrate.current(bad_engine) == FOREIGN
