"""Alembic per system: `toolkit db …` and `alembic -n …` on every engine."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from tests.databases import PROJECT, REPO, migrate_to
from toolkit import alembic_env, migrate, systems
from toolkit.cli import cli

TABLES_AT_1_0 = {"tiku": 14, "dudao": 22}
FIRST = {"tiku": "tiku_0001", "dudao": "dudao_0001"}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_first_revision_creates_the_1_0_modules(backend, server, engines, system):
    url = server.database(system, FIRST[system])
    engine = engines(url)
    assert len(_tables(engine)) == TABLES_AT_1_0[system]
    assert migrate.current(engine) == FIRST[system]


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_head_has_every_module_of_the_models(backend, server, engines, system):
    url = server.database(system)
    engine = engines(url)
    sys_ = systems.get(system)
    assert _tables(engine) == {m.key for m in sys_.modules} == set(sys_.metadata.tables)
    assert migrate.current(engine) in migrate.heads(system, PROJECT)


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_upgrade_downgrade_base_upgrade(backend, server, engines, system):
    url = server.database(system)
    migrate.downgrade(system, url, "base", project=PROJECT)
    engine = engines(url)
    assert _tables(engine) == set()
    assert migrate.current(engine) is None
    engine.dispose()
    migrate_to(system, url)
    assert len(_tables(engine)) == len(systems.get(system).modules)


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_no_pending_autogenerate_changes_at_head(backend, server, engines, system):
    engine = engines(server.database(system))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": alembic_env.compare_type})
        diff = compare_metadata(ctx, systems.get(system).metadata)
    assert diff == []


def test_alembic_and_toolkit_reach_the_same_database(tmp_path):
    """`alembic -n tiku upgrade head` and `toolkit db …` resolve the same URL."""
    url = f"sqlite:///{tmp_path / 'same.db'}"
    env = {**os.environ, "TIKU_DATABASE_URL": url}
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), "-n", "tiku"]
    done = subprocess.run([*alembic, "upgrade", "head"], env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "same.db").exists()

    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "current",
                                 "--system", "tiku"], env={"TIKU_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    head = migrate.heads("tiku", PROJECT)[0]
    assert f"tiku: {head} (head)" in result.output

    # and the other way round: toolkit downgrades, alembic sees it
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "downgrade",
                                 "--system", "tiku", "1.0"], env={"TIKU_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    done = subprocess.run([*alembic, "current"], env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert "tiku_0001" in done.stdout


def test_db_commands_on_a_missing_sqlite_file_say_how_to_create_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    result = CliRunner().invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "current",
                                      "--system", "tiku", "--db", url])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "toolkit db upgrade --system" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "nope.db").exists()


def test_db_upgrade_creates_a_sqlite_file_and_history_lists_revisions(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'new.db'}"
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "upgrade",
                                 "--system", "dudao", "--db", url])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sub" / "new.db").exists()
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "history",
                                 "--system", "dudao"])
    assert result.exit_code == 0 and "dudao_0001" in result.output


def test_unknown_system_and_bad_target_are_usage_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "upgrade",
                                 "--system", "nosuch", "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2 and "unknown system 'nosuch'" in result.output
    result = runner.invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "upgrade",
                                 "--system", "tiku", "--db", f"sqlite:///{tmp_path}/x.db", "9.9"])
    assert result.exit_code == 1 and "no format version 9.9" in result.output


def test_db_stamp_takes_a_format_version(backend, server, engines):
    """`toolkit db stamp --system tiku 1.1` records tiku_0002 without running anything."""
    url = server.database("tiku", "tiku_0002")
    engine = engines(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
    engine.dispose()
    result = CliRunner().invoke(cli, ["--config", str(REPO / "alembic.ini"), "db", "stamp",
                                      "--system", "tiku", "--db", url, "1.1"])
    assert result.exit_code == 0, result.output
    assert "tiku: tiku_0002 (not at head)" in result.output
    assert migrate.current(engine) == "tiku_0002"
