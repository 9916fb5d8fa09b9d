"""`toolkit upgrade-archive`: plan, validated steps, atomic write.

The main test checks the invariant on real data: a seeded database taken
down to 1.0 and exported, then the archive upgraded, equals the same
database migrated back to head and exported.
"""
from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from tests.databases import PROJECT, SqliteServer
from tests.snapshot_archive import snapshot, write_json
from toolkit import migrate
from toolkit.archive import Archive
from toolkit.cli import cli
from toolkit.reader import open_archive
from toolkit.validate import validate_file


@pytest.fixture(scope="module")
def tiku(tmp_path_factory):
    """(1.0 archive, the head export of the same data after `alembic upgrade head`)."""
    server = SqliteServer(tmp_path_factory.mktemp("upgrade"))
    url = server.database("tiku", seeded=True)
    migrate.downgrade("tiku", url, "tiku_0001", project=PROJECT)
    old = snapshot(url, "tiku").to_data()
    migrate.upgrade("tiku", url, "head", project=PROJECT)
    return old, snapshot(url, "tiku").to_data()


def run(*args, input=None):
    return CliRunner().invoke(cli, ["--config", str(PROJECT.ini), *args], input=input)


def old_file(tiku, path, edit=None):
    header, data = copy.deepcopy(tiku[0])
    if edit:
        edit(header, data)
    return write_json(Archive.from_data(header, data), path)


def test_upgrade_commutes_with_the_database(tiku, tmp_path):
    src = old_file(tiku, tmp_path / "tiku-1.0-20260301-080000.json")
    out = tmp_path / "tiku-1.2-20260301-080000.json"
    result = run("upgrade-archive", str(src))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("1.0 → 1.1: ") and lines[1].startswith("1.1 → 1.2: ")
    expected_header, expected = tiku[1]
    n = sum(len(v) for v in expected.values())
    assert lines[2] == f"{src} → {out}: format 1.0 → 1.2, {n} records in {len(expected)} modules"

    got = open_archive(out)
    assert (got.header["version"], got.header["schema_revision"]) == ("1.2", "tiku_0003")
    assert got.header["counts"] == expected_header["counts"]
    data = {k: list(r) for k, r in got.modules()}
    assert data.keys() == expected.keys()
    for key in expected:
        assert data[key] == expected[key], key
    assert validate_file(out, PROJECT).ok


def test_to_an_intermediate_version(tiku, tmp_path):
    src = old_file(tiku, tmp_path / "backup.json")
    result = run("--quiet", "upgrade-archive", str(src), "--to", "1.1")
    assert result.exit_code == 0, result.output
    out = tmp_path / "backup-1.1.json"
    assert result.output.splitlines()[0].startswith(f"{src} → {out}: format 1.0 → 1.1, ")
    report = validate_file(out, PROJECT)
    assert report.ok and report.version == "1.1"


def test_explicit_output_and_gzip(tiku, tmp_path):
    src = old_file(tiku, tmp_path / "in.json")
    out = tmp_path / "sub.json.gz"
    result = run("-q", "upgrade-archive", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert validate_file(out, PROJECT).ok


def test_already_at_target(tiku, tmp_path):
    src = write_json(Archive.from_data(*copy.deepcopy(tiku[1])), tmp_path / "tiku-1.2.json")
    result = run("upgrade-archive", str(src))
    assert (result.exit_code, result.output) == (0, f"{src}: already at format 1.2; nothing to do\n")


def test_downgrade_refused(tiku, tmp_path):
    src = write_json(Archive.from_data(*copy.deepcopy(tiku[1])), tmp_path / "tiku-1.2.json")
    result = run("upgrade-archive", str(src), "--to", "1.0")
    assert result.exit_code == 1
    assert result.output == ("Error: cannot downgrade an archive from 1.2 to 1.0 (archives only "
                             "move forward; export again from a database at 1.0 instead)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiku-1.2.json"]


def test_unknown_target(tiku, tmp_path):
    src = old_file(tiku, tmp_path / "a.json")
    result = run("upgrade-archive", str(src), "--to", "7.0")
    assert result.exit_code == 1
    assert result.output == "Error: tiku has no format version 7.0 (known: 1.0, 1.1, 1.2)\n"


def test_invalid_input_refused_and_nothing_written(tiku, tmp_path):
    def edit(h, d):
        d["users"][2]["phone"] = "9" * 30
    src = old_file(tiku, tmp_path / "tiku-1.0.json", edit)
    uid = tiku[0][1]["users"][2]["id"]
    result = run("-q", "upgrade-archive", str(src))
    assert result.exit_code == 1
    assert result.output == (f"Error: {src}: data.users[2] (id {uid}) field phone: must be at "
                             f"most 20 characters (has 30) (run `toolkit validate` for every "
                             f"problem)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiku-1.0.json"]


def test_newer_archive_refused(tiku, tmp_path):
    src = old_file(tiku, tmp_path / "a.json", lambda h, d: h.update(version="1.9"))
    result = run("upgrade-archive", str(src))
    assert result.exit_code == 1
    assert result.output == (f"Error: {src}: format 1.9 is newer than this toolkit knows (tiku up "
                             f"to 1.2) (upgrade gongkao-toolkit (pip install -U gongkao-toolkit))\n")


def test_stdin_needs_output(tiku):
    header, data = copy.deepcopy(tiku[0])
    result = run("upgrade-archive", "-", input=json.dumps({**header, "data": data}))
    assert result.exit_code == 2
    assert result.output == "Error: reading stdin: say where to write with -o PATH (or -o -)\n"
