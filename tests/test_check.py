"""toolkit/check.py and `toolkit check`: clean on the project, one named drift per failure mode.

Each drift is built in a temporary copy of the project (alembic.ini,
migrations/, dataformat/), passed with --config.
"""
from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from tests.databases import PROJECT, REPO
from toolkit import migrate
from toolkit.cli import cli

# read before the autouse fixture below hides them from `toolkit check`
PG = os.environ.get("TOOLKIT_TEST_POSTGRES_URL")
MY = os.environ.get("TOOLKIT_TEST_MYSQL_URL")


@pytest.fixture(autouse=True)
def sqlite_only(monkeypatch):
    """Exact-output tests compare on SQLite only; the server runs have their own tests."""
    monkeypatch.delenv("TOOLKIT_TEST_POSTGRES_URL", raising=False)


@pytest.fixture
def copy(tmp_path):
    """A copy of the project; returns its root."""
    shutil.copy(REPO / "alembic.ini", tmp_path / "alembic.ini")
    for d in ("migrations", "dataformat"):
        shutil.copytree(REPO / d, tmp_path / d, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_check(root, *args):
    return CliRunner().invoke(cli, ["--config", str(root / "alembic.ini"), "check", *args])


def head(system):
    return migrate.heads(system, PROJECT)[0]


def test_check_passes_on_the_project():
    result = CliRunner().invoke(cli, ["--config", str(PROJECT.ini), "check"])
    assert result.exit_code == 0, result.output
    assert result.output == "ok: models, revisions, schemas and steps agree\n"


@pytest.mark.skipif(not (PG and MY), reason="server URLs not set")
def test_check_passes_on_postgresql_and_mariadb():
    result = CliRunner().invoke(cli, ["--config", str(PROJECT.ini), "check",
                                      "--db", PG, "--db", MY])
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not PG, reason="no PostgreSQL URL")
def test_pending_changes_on_postgresql(copy):
    url = PG
    (copy / "migrations/dudao/versions/dudao_0003_extra.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\n'
        'revision = "dudao_0003"\ndown_revision = "dudao_0002"\nbranch_labels = None\n'
        'depends_on = None\n\ndef upgrade():\n    op.add_column("subjects", sa.Column("x", sa.Integer))\n\n'
        'def downgrade():\n    op.drop_column("subjects", "x")\n')
    result = run_check(copy, "--db", url)
    assert result.exit_code == 1
    assert ("dudao: models have changes no revision makes (postgresql: remove_column subjects.x) "
            "— `toolkit new-version --system dudao -m MSG`") in result.output.splitlines()


def test_head_schema_differs_from_models(copy):
    path = copy / "dataformat/tiku/1.2.schema.json"
    raw = json.loads(path.read_text())
    raw["$defs"]["users"]["properties"]["phone"]["maxLength"] = 30
    del raw["$defs"]["questions"]["properties"]["year"]
    path.write_text(json.dumps(raw))
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "tiku: dataformat/tiku/1.2.schema.json differs from the models (questions.year only in "
        "the models; users.phone differs) — if 1.2 is released: `toolkit new-version --system "
        "tiku -m MSG`; if not yet: `toolkit new-version --system tiku --regenerate`",
        "1 drift found"]


def test_newest_revision_missing(copy):
    rev = head("dudao")
    for f in (copy / "migrations/dudao/versions").glob(f"{rev}_*.py"):
        f.unlink()
    result = run_check(copy)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert ("dudao: format 1.1 pins revision dudao_0002, which is not in migrations/dudao/versions"
            " — restore the revision or fix schema_revision in dataformat/dudao/1.1.schema.json"
            in lines)
    assert ("dudao: newest format 1.1 pins dudao_0002 but the Alembic head is dudao_0001 — "
            "pair the head with a format version: `toolkit new-version --system dudao -m MSG`"
            in lines)
    pending = [l for l in lines if "models have changes no revision makes (SQLite:" in l]
    assert len(pending) == 1 and "add_column students.wechat_id" in pending[0]
    assert pending[0].endswith("— `toolkit new-version --system dudao -m MSG`")


def test_two_alembic_heads(copy):
    (copy / "migrations/tiku/versions/tiku_0099_branch.py").write_text(
        'revision = "tiku_0099"\ndown_revision = "tiku_0002"\nbranch_labels = None\n'
        'depends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n')
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "tiku: 2 Alembic heads (tiku_0003, tiku_0099) — merge them: "
        "`alembic -n tiku merge heads -m MSG`")


def test_revision_without_version_and_pending_changes(copy):
    (copy / "migrations/tiku/versions/tiku_0004_extra.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\n'
        'revision = "tiku_0004"\ndown_revision = "tiku_0003"\nbranch_labels = None\n'
        'depends_on = None\n\ndef upgrade():\n    op.add_column("users", sa.Column("nick", sa.String(20)))\n\n'
        'def downgrade():\n    op.drop_column("users", "nick")\n')
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "tiku: newest format 1.2 pins tiku_0003 but the Alembic head is tiku_0004 — "
        "pair the head with a format version: `toolkit new-version --system tiku -m MSG`",
        "tiku: models have changes no revision makes (SQLite: remove_column users.nick) — "
        "`toolkit new-version --system tiku -m MSG`",
        "2 drifts found"]


def test_version_without_step(copy):
    path = copy / "dataformat/tiku/steps.py"
    path.write_text(path.read_text().replace('@step("tiku", "1.1", "1.2")', ""))
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "tiku: no upgrade step 1.1 → 1.2 — write `@step(\"tiku\", \"1.1\", \"1.2\")` in "
        "dataformat/tiku/steps.py", "1 drift found"]


def test_step_to_a_version_without_schema(copy):
    with open(copy / "dataformat/tiku/steps.py", "a") as f:
        f.write('\n\n@step("tiku", "1.2", "1.3")\ndef later(archive):\n    return archive\n')
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "tiku: step 1.2 → 1.3 leads to a version without a schema — write "
        "dataformat/tiku/1.3.schema.json with `toolkit new-version --system tiku -m MSG`",
        "1 drift found"]


def test_broken_steps_file(copy):
    with open(copy / "dataformat/dudao/steps.py", "a") as f:
        f.write("\nraise RuntimeError('half written')\n")
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "dudao: dataformat/dudao/steps.py fails to load (RuntimeError: half written) — "
        "fix the steps file", "1 drift found"]


def test_released_schema_not_valid_json_schema(copy):
    path = copy / "dataformat/dudao/1.0.schema.json"
    raw = json.loads(path.read_text())
    raw["$defs"]["users"]["properties"]["username"]["maxLength"] = "64"
    path.write_text(json.dumps(raw))
    result = run_check(copy)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "dudao: dataformat/dudao/1.0.schema.json is not valid JSON Schema at "
        "$defs/users/properties/username/maxLength: '64' is not of type 'integer' — "
        "restore it from git (released schemas never change)")
