"""toolkit export: the command and the library under it, on every engine."""
from __future__ import annotations

import gzip
import json
import re
import zipfile

import jsonschema
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.databases import PROJECT
from tests.test_extract import assert_records_equal_rows, clone_row, every_secret, schema_of
from toolkit import config as tk_config
from toolkit.cli import cli
from toolkit.excel import read_workbook
from toolkit.export import export


def run(*args):
    result = CliRunner().invoke(cli, ["--config", str(PROJECT.ini), "export", *args])
    return result


def test_json_export_command(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    out = tmp_path / "t.json"
    result = run("-s", "tiku", "--db", url, "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    total = sum(doc["counts"].values())
    assert result.stdout.strip() == (f"tiku: exported {total} rows of {len(schema.modules)} "
                                     f"modules (format {schema.version}) to {out}")
    jsonschema.Draft202012Validator(schema.raw).validate(doc)
    assert_records_equal_rows(url, schema, doc["data"])
    raw = out.read_bytes()
    secrets = every_secret(url, schema)
    assert secrets and not [s for s in secrets if s.encode() in raw]


def test_gzip_stdout_and_default_name(server, backend, tmp_path, monkeypatch):
    url = server.database("tiku", seeded=True)
    gz = tmp_path / "t.json.gz"
    assert run("-s", "tiku", "--db", url, "-o", str(gz), "-m", "users").exit_code == 0
    from_gz = json.loads(gzip.decompress(gz.read_bytes()))
    piped = run("-s", "tiku", "--db", url, "-o", "-", "-m", "users")
    assert piped.exit_code == 0
    from_stdout = json.loads(piped.stdout)  # only the archive on stdout
    assert "exported" in piped.stderr
    assert from_stdout["data"] == from_gz["data"] and from_gz["data"]["users"]
    monkeypatch.chdir(tmp_path)
    assert run("-s", "tiku", "--db", url, "-m", "users").exit_code == 0
    [made] = (tmp_path / "backups").iterdir()
    assert re.fullmatch(rf"tiku-{re.escape(from_gz['version'])}-\d{{8}}-\d{{6}}\.json", made.name)


def test_excel_reads_back_as_the_json_records_and_holds_no_secret(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:  # text Excel would garble, plus microseconds
        clone_row(conn, schema, "questions", 1, code="XLS01", stem="=HYPERLINK(\"x\")\x01",
                  analysis="", source=None)
    engine.dispose()
    result = run("-s", "tiku", "--db", url, "--format", "excel", "-o", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 0, result.output
    assert "1 values hold control characters" in result.stdout
    assert run("-s", "tiku", "--db", url, "-o", str(tmp_path / "t.json")).exit_code == 0
    doc = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    header, data = read_workbook(tmp_path / "t.xlsx", project=PROJECT).to_data()
    assert data == doc["data"]
    assert {k: v for k, v in header.items() if k != "exported_at"} == \
        {k: v for k, v in doc.items() if k not in ("exported_at", "data")}
    secrets = every_secret(url, schema)
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        for name in z.namelist():
            body = z.read(name)
            assert not [s for s in secrets if s.encode() in body], name


def test_failed_write_leaves_no_file(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)

    class Stop(Exception):
        pass

    def stop_midway(module, rows):
        if module == "questions" and rows:
            raise Stop

    for name, fmt in (("a.json", "json"), ("a.json.gz", "json"), ("a.xlsx", "excel")):
        with pytest.raises(Stop):
            export("tiku", url, fmt, tmp_path / name, project=PROJECT, progress=stop_midway,
                   batch_size=10)
    assert list(tmp_path.iterdir()) == []
    # a value too long for a cell: refused by name, exit 1, no file
    schema = schema_of(url)
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:
        qid = clone_row(conn, schema, "questions", 1, code="LONG1", stem="长" * 40000)
    engine.dispose()
    result = run("-s", "tiku", "--db", url, "-o", str(tmp_path / "b.xlsx"))
    assert result.exit_code == 1
    assert f"(id {qid}) field stem" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_usage_errors(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)
    bad = run("-s", "tiku", "--db", url, "-m", "users,nope", "-o", str(tmp_path / "a.json"))
    assert bad.exit_code == 2 and "nope" in bad.output and "答题详情" in bad.output
    tz = run("-s", "tiku", "--db", url, "--since", "2026-12-04T15:04:05+08:00")
    assert tz.exit_code == 2 and "time zone" in tz.output
    mismatch = run("-s", "tiku", "--db", url, "--format", "excel", "-o", str(tmp_path / "a.json"))
    assert mismatch.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_unpaired_or_missing_revision_is_refused(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'elsewhere'"))
    engine.dispose()
    result = run("-s", "tiku", "--db", url, "-o", str(tmp_path / "a.json"))
    assert result.exit_code == 1
    assert "elsewhere" in result.output and "toolkit db upgrade --system tiku" in result.output
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM alembic_version"))
    engine.dispose()
    result = run("-s", "tiku", "--db", url, "-o", str(tmp_path / "a.json"))
    assert result.exit_code == 1 and "not under Alembic" in result.output
    assert list(tmp_path.iterdir()) == []
