"""toolkit/validate.py and `toolkit validate`: every bad-input case names its place and cause."""
from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from tests.databases import PROJECT, REPO, SqliteServer
from tests.snapshot_archive import snapshot, write_json
from toolkit import versions
from toolkit.archive import Archive
from toolkit.cli import cli
from toolkit.validate import HashSet64, IdSet, Problems, checked, key_hash, validate_archive


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A seeded archive of each system at its newest version: (header, data) in memory."""
    server = SqliteServer(tmp_path_factory.mktemp("validate"))
    return {s: snapshot(server.database(s, seeded=True), s).to_data() for s in ("tiku", "dudao")}


def archive(real, system="tiku", edit=None) -> Archive:
    header, data = copy.deepcopy(real[system])
    if edit:
        edit(header, data)
    return Archive.from_data(header, data, source="a.json")


def problems_of(arch: Archive) -> list[str]:
    report = validate_archive(arch, PROJECT)
    return [str(p) for p in report.problems]


def test_real_archives_are_valid(real):
    for system in real:
        report = validate_archive(archive(real, system), PROJECT)
        assert report.ok, [str(p) for p in report.problems]
        assert report.records == sum(len(v) for v in real[system][1].values()) > 1000
        assert report.summary().startswith("a.json: ok, ")


@pytest.mark.parametrize("field, value, message", [
    ("phone", "1" * 25, "must be at most 20 characters (has 25)"),
    ("last_login_at", "2026-01-01 08:00", "not a datetime YYYY-MM-DDTHH:MM:SS[.ffffff] (is '2026-01-01 08:00')"),
    ("is_active", "yes", "must be boolean, not string ('yes')"),
    ("real_name", 5, "must be string or null, not integer (5)"),
    ("username", None, "must be string, not null (null)"),
])
def test_field_messages(real, field, value, message):
    def edit(h, d):
        d["users"][3][field] = value
    uid = real["tiku"][1]["users"][3]["id"]
    assert problems_of(archive(real, edit=edit)) == [
        f"a.json: data.users[3] (id {uid}) field {field}: {message}"]


def test_enum_required_and_unknown_field(real):
    def edit(h, d):
        d["attendances"][0]["status"] = "asleep"
        del d["attendances"][1]["remark"]
        d["attendances"][2]["colour"] = "red"
    ids = [r["id"] for r in real["dudao"][1]["attendances"][:3]]
    got = problems_of(archive(real, "dudao", edit))
    assert got[0].startswith(f"a.json: data.attendances[0] (id {ids[0]}) field status: must be one of ")
    assert "(is 'asleep')" in got[0] and "present" in got[0]
    assert got[1:] == [f"a.json: data.attendances[1] (id {ids[1]}) field remark: is required",
                       f"a.json: data.attendances[2] (id {ids[2]}) field colour: unknown field "
                       f"(not in this format version)"]


def test_duplicate_id_and_natural_key(real):
    def edit(h, d):
        d["users"].append(dict(d["users"][0]))
        h["counts"]["users"] += 1
    n = len(real["tiku"][1]["users"])
    first = real["tiku"][1]["users"][0]
    assert problems_of(archive(real, edit=edit)) == [
        f"a.json: data.users[{n}] (id {first['id']}) field id: duplicate id {first['id']}",
        f"a.json: data.users[{n}] (id {first['id']}): duplicate natural key "
        f"(username={first['username']!r})"]


def test_dangling_reference_and_refs(real):
    questions = real["tiku"][1]["questions"]
    missing = max(q["id"] for q in questions) + 100

    def edit(h, d):
        d["mistakes"][0]["question_id"] = missing
    qid = real["tiku"][1]["mistakes"][0]["id"]
    assert problems_of(archive(real, edit=edit)) == [
        f"a.json: data.mistakes[0] (id {qid}) field question_id: refers to questions id "
        f"{missing}, which is neither in the archive nor in refs.questions"]

    def with_ref(h, d):
        edit(h, d)
        h["refs"]["questions"] = [{"id": missing, "code": "Q999999"}]
    assert problems_of(archive(real, edit=with_ref)) == []


def test_order_irrelevant_forward_self_and_deferred_references(real):
    """Children before parents, a tree's rows in reverse, the deferred side of a cycle."""
    def edit(h, d):
        for key in list(d):
            d[key] = list(reversed(d.pop(key)))
        d.update(reversed(list(d.items())))
    assert any(s["latest_log_id"] for s in real["dudao"][1]["students"])
    assert problems_of(archive(real, "dudao", edit)) == []
    assert problems_of(archive(real, "tiku", edit)) == []


def test_dangling_deferred_reference_reported_at_end(real):
    logs = real["dudao"][1]["supervision_logs"]

    def edit(h, d):
        d["students"][0]["latest_log_id"] = max(r["id"] for r in logs) + 7
    got = problems_of(archive(real, "dudao", edit))
    assert len(got) == 1 and "field latest_log_id: refers to supervision_logs id" in got[0]
    assert got[0].startswith("a.json: data.students[0] ")


def test_counts_unknown_module_and_header(real):
    def edit(h, d):
        h["counts"]["users"] += 2
        d["gadgets"] = [{"id": 1}]
        h["exported_by"] = "me"
    got = problems_of(archive(real, edit=edit))
    n = len(real["tiku"][1]["users"])
    assert got == [
        "a.json: header: unknown entries exported_by",
        "a.json: data.gadgets: unknown module gadgets (format 1.2 has "
        + ", ".join(versions.schema("tiku", "1.2", PROJECT).module_keys) + ")",
        f"a.json: data.users: counts.users says {n + 2} records, data has {n}"]


@pytest.mark.parametrize("edit, message", [
    (lambda h: h.update(format="zip"), "not a gongkao archive (format is 'zip')"),
    (lambda h: h.update(version="9.0"),
     "format 9.0 is newer than this toolkit knows (tiku up to 1.2) "
     "(upgrade gongkao-toolkit (pip install -U gongkao-toolkit))"),
    (lambda h: h.update(version="0.9"), "unknown tiku format version '0.9' (known: 1.0, 1.1, 1.2)"),
    (lambda h: h.update(system="erp"), "unknown system 'erp'"),
])
def test_header_refusals(real, edit, message):
    assert problems_of(archive(real, edit=lambda h, d: edit(h))) == [f"a.json: {message}"]


def test_schema_revision_must_match(real):
    got = problems_of(archive(real, edit=lambda h, d: h.update(schema_revision="tiku_0001")))
    rev = versions.schema("tiku", "1.2", PROJECT).revision
    assert got == [f"a.json: schema_revision 'tiku_0001' does not match format 1.2, which pins {rev}"]


def test_cap_counts_the_rest(real):
    def edit(h, d):
        for r in d["users"][:10]:
            r["role"] = "x" * 99
    problems = Problems(cap=3)
    header, data = copy.deepcopy(real["tiku"])
    edit(header, data)
    schema = versions.schema("tiku", "1.2", PROJECT)
    for _, records in checked(Archive.from_data(header, data), schema, problems).modules():
        list(records)
    assert (len(problems.items), problems.total, problems.omitted) == (3, 10, 7)


def test_a_module_read_twice_is_checked_once(real):
    """A consumer that peeks at a module and reads everything again gets each problem once."""
    def edit(h, d):
        d["users"][1]["role"] = None
    header, data = copy.deepcopy(real["tiku"])
    edit(header, data)
    problems = Problems()
    arch = checked(Archive.from_data(header, data), versions.schema("tiku", "1.2", PROJECT), problems)
    for key, records in arch.modules():
        next(records), next(records)  # abandon after two records
        break
    for _, records in arch.modules():
        list(records)
    assert [p.field for p in problems] == ["role"]


def test_idset_and_key_hash():
    ids = IdSet()
    assert ids.add(5) and not ids.add(5) and 5 in ids and 6 not in ids
    assert ids.add(-3) and -3 in ids and ids.add(2**40) and 2**40 in ids
    assert ids.add(1_000_000) and len(ids.bits) < 300_000
    assert key_hash(("a", 1)) == key_hash(("a", 1)) != key_hash(("a", 2))
    hashes = HashSet64()
    values = [key_hash((i,)) for i in range(5000)] + [0]
    assert all(hashes.add(h) for h in values)  # grows several times on the way
    assert not any(hashes.add(h) for h in values) and hashes.count == len(values)


# ------------------------------------------------------------------ independent validator
@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_committed_schema_validates_real_archive_with_check_jsonschema(real, tmp_path, system):
    header, data = copy.deepcopy(real[system])
    good = write_json(Archive.from_data(header, data), tmp_path / "good.json")
    schema_file = REPO / "dataformat" / system / f"{header['version']}.schema.json"
    exe = shutil.which("check-jsonschema") or str(REPO / ".venv/bin/check-jsonschema")
    ok = subprocess.run([exe, "--schemafile", str(schema_file), str(good)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    first = next(iter(data))
    data[first][0]["id"] = "one"
    bad = write_json(Archive.from_data(header, data), tmp_path / "bad.json")
    no = subprocess.run([exe, "--schemafile", str(schema_file), str(bad)],
                        capture_output=True, text=True)
    assert no.returncode == 1 and "'one' is not of type 'integer'" in no.stdout + no.stderr


# ------------------------------------------------------------------ CLI
def run(*args):
    return CliRunner().invoke(cli, ["--config", str(PROJECT.ini), *args])


def test_cli_valid_and_invalid_files(real, tmp_path):
    good = write_json(Archive.from_data(*copy.deepcopy(real["tiku"])), tmp_path / "good.json")
    header, data = copy.deepcopy(real["tiku"])
    data["users"][0]["phone"] = "1" * 21
    data["users"][2]["phone"] = "2" * 30
    bad = write_json(Archive.from_data(header, data), tmp_path / "bad.json")
    n = sum(len(v) for v in data.values())

    result = run("validate", str(good))
    assert result.exit_code == 0, result.output
    assert result.output == f"{good}: ok, {n} records, tiku format 1.2\n"

    result = run("validate", str(good), str(bad))
    assert result.exit_code == 1
    u0, u2 = data["users"][0]["id"], data["users"][2]["id"]
    assert result.output.splitlines() == [
        f"{good}: ok, {n} records, tiku format 1.2",
        f"{bad}: data.users[0] (id {u0}) field phone: must be at most 20 characters (has 21)",
        f"{bad}: data.users[2] (id {u2}) field phone: must be at most 20 characters (has 30)",
        f"{bad}: 2 problems"]

    result = run("validate", "--max-problems", "1", str(bad))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"{bad}: … and 1 more problems (--max-problems to list them)", f"{bad}: 2 problems"]

    result = run("validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["ok"] is False
    assert [f["ok"] for f in doc["files"]] == [True, False]
    assert doc["files"][1]["problems"][1] == {
        "file": str(bad), "module": "users", "index": 2, "id": u2, "field": "phone",
        "message": "must be at most 20 characters (has 30)"}


def test_cli_missing_file_is_usage_error(tmp_path):
    result = run("validate", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_unreadable_file_is_a_problem(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "gongkao-archive", "system": "tiku", "version": "1.2", "data": {"users": [{"id"')
    result = run("validate", str(broken))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{broken}: the file ends in the middle of the archive (the file was cut off (full disk, "
        f"interrupted copy); use a complete copy)", f"{broken}: 1 problem"]


def test_cli_excel_and_gzip_exports_validate(tmp_path):
    server = SqliteServer(tmp_path)
    url = server.database("dudao", seeded=True)
    files = [str(tmp_path / "d.xlsx"), str(tmp_path / "d.json.gz")]
    for f in files:
        fmt = ["--format", "excel"] if f.endswith("xlsx") else []
        assert run("-q", "export", "--system", "dudao", "--db", url, *fmt, "-o", f).exit_code == 0
    result = run("validate", *files)
    assert result.exit_code == 0, result.output
    n = sum(len(v) for v in snapshot(url, "dudao").to_data()[1].values())
    version = versions.head("dudao", PROJECT).version
    assert result.output.splitlines() == [f"{f}: ok, {n} records, dudao format {version}"
                                          for f in files]
