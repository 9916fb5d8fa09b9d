"""toolkit/new_version.py and `toolkit new-version`, in a temporary copy of the project.

The copy loses dudao's newest version (revision + schema); new-version must
recreate it from the models: the same schema byte for byte, a revision that
makes the same change, and a step stub that fails until it is written.
"""
from __future__ import annotations

import importlib.util
import shutil

import pytest
from click.testing import CliRunner

from tests.databases import REPO
from toolkit.archive import Archive
from toolkit.cli import cli


@pytest.fixture
def copy(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_TEST_POSTGRES_URL", raising=False)  # `check` on SQLite only
    shutil.copy(REPO / "alembic.ini", tmp_path / "alembic.ini")
    for d in ("migrations", "dataformat"):
        shutil.copytree(REPO / d, tmp_path / d, ignore=shutil.ignore_patterns("__pycache__"))
    for f in (tmp_path / "migrations/dudao/versions").glob("dudao_0002_*.py"):
        f.unlink()
    (tmp_path / "dataformat/dudao/1.1.schema.json").unlink()
    return tmp_path


def run(root, *args):
    return CliRunner().invoke(cli, ["--config", str(root / "alembic.ini"), *args])


def test_new_version_recreates_the_newest_version(copy):
    result = run(copy, "new-version", "--system", "dudao", "-m", "attendance status enum")
    assert result.exit_code == 0, result.output
    revision = copy / "migrations/dudao/versions/dudao_0002_format_1_1_attendance_status_enum.py"
    assert result.output.splitlines() == [
        "dudao: format 1.1 = revision dudao_0002",
        "  modify_type attendances.status",
        "  add_column students.wechat_id",
        f"  wrote {revision}",
        f"  wrote {copy / 'dataformat/dudao/1.1.schema.json'}",
        f"  stubbed the 1.1 step in {copy / 'dataformat/dudao/steps.py'}",
        "next: review the revision, write the step, run `toolkit check` and the tests"]

    # the schema is what the committed one is: derived from the same models, same pin
    assert ((copy / "dataformat/dudao/1.1.schema.json").read_text(encoding="utf-8")
            == (REPO / "dataformat/dudao/1.1.schema.json").read_text(encoding="utf-8"))
    text = revision.read_text()
    assert "revision: str = 'dudao_0002'" in text and "= 'dudao_0001'" in text
    assert "add_column(sa.Column('wechat_id', sa.String(length=64), nullable=True))" in text
    assert '"""format 1.1: attendance status enum' in text

    # the stub is the newest registration for 1.0 and fails until written
    steps = copy / "dataformat/dudao/steps.py"
    spec = importlib.util.spec_from_file_location("copied_dudao_steps", steps)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    from toolkit import upgrade
    stub = upgrade.registered("dudao", "1.0")
    try:
        assert stub.target == "1.1" and stub.fn.__name__ == "upgrade_1_0_to_1_1"
        with pytest.raises(NotImplementedError, match="write the upgrade step dudao 1.0 → 1.1"):
            stub.fn(Archive.from_data({}, {}))
    finally:
        upgrade._LOADED.clear()
        upgrade._STEPS.pop(("dudao", "1.0"), None)  # the real step file registers again

    check = run(copy, "check")
    assert check.exit_code == 0, check.output


def test_drop_and_add_in_one_table_warns_of_a_rename(copy):
    first = next((copy / "migrations/dudao/versions").glob("dudao_0001_*.py"))
    text = first.read_text()
    anchor = "    sa.Column('student_no', sa.String(length=32), nullable=False),\n"
    assert anchor in text
    first.write_text(text.replace(anchor, anchor + "    sa.Column('wechat', sa.String(length=64), nullable=True),\n"))
    result = run(copy, "new-version", "--system", "dudao", "-m", "wechat renamed")
    assert result.exit_code == 0, result.output
    assert "  remove_column students.wechat" in result.output.splitlines()
    warning = [l for l in result.output.splitlines() if l.startswith("warning:")]
    assert warning == [
        "warning: students: column wechat dropped and wechat_id added; the drop loses its data. "
        "If it is a rename, replace the drop and the add in "
        "migrations/dudao/versions/dudao_0002_format_1_1_wechat_renamed.py with "
        "`with op.batch_alter_table(\"students\") as batch_op: batch_op.alter_column(\"wechat\", "
        "new_column_name=\"wechat_id\")` (and the reverse in downgrade), and rename the field in "
        "the step"]


def test_refusals(copy):
    result = run(copy, "new-version", "--system", "dudao")
    assert (result.exit_code, result.output) == (2, "Error: say what changed with -m MESSAGE\n")
    result = run(copy, "new-version", "--system", "erp", "-m", "x")
    assert result.exit_code == 2 and "unknown system 'erp'" in result.output
    # a revision no version pins: new-version would pair the wrong one
    (copy / "dataformat/dudao/1.0.schema.json").rename(copy / "dataformat/dudao/1.0.json.bak")
    shutil.copy(REPO / "dataformat/dudao/1.1.schema.json", copy / "dataformat/dudao/1.1.schema.json")
    result = run(copy, "new-version", "--system", "dudao", "-m", "x")
    assert result.exit_code == 2
    assert result.output == ("Error: newest format 1.1 pins dudao_0002, but the Alembic head is "
                             "dudao_0001 (pair them before adding a version (see `toolkit check`))\n")


def test_regenerate_rewrites_the_newest_schema(copy):
    path = copy / "dataformat/tiku/1.2.schema.json"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace('"maxLength": 20', '"maxLength": 21', 1), encoding="utf-8")
    drift = "tiku: dataformat/tiku/1.2.schema.json differs from the models"
    assert any(l.startswith(drift) for l in run(copy, "check").output.splitlines())
    result = run(copy, "new-version", "--system", "tiku", "--regenerate")
    assert (result.exit_code, result.output) == (0, f"tiku: rewrote {path} from the models\n")
    assert path.read_text(encoding="utf-8") == original
    assert not any(l.startswith(drift) for l in run(copy, "check").output.splitlines())
