"""toolkit.reader: round trips, every layout, and each kind of damage with its message."""
from __future__ import annotations

import gzip
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit.reader as reader
from toolkit.archive import Archive
from toolkit.errors import ArchiveError, UsageError
from toolkit.reader import open_archive
from toolkit.writer import write_archive

HEADER = {
    "format": "gongkao-archive", "system": "tiku", "version": "1.0", "schema_revision": "r1",
    "toolkit_version": "0.1.0", "exported_at": "2026-12-04T15:04:05",
    "scope": {"since": None, "modules": ["users", "categories", "questions"]},
    "counts": {"users": 3, "categories": 0, "questions": 2}, "refs": {},
}
DATA = {
    "users": [
        {"id": 1, "name": "张三", "note": "😀 𠀀 \u2028 \"q\" \\ /", "phone": None, "email": ""},
        {"id": 2, "name": "李四", "note": None, "phone": "13800000000", "email": None},
        {"id": 3, "name": "", "note": "tab\tnew\nline", "phone": "", "email": "a@b.c"},
    ],
    "categories": [],
    "questions": [
        {"id": 9007199254740993, "score": 1.5, "whole": 2.0, "flag": True,
         "options": {"A": ["x", {"deep": None}], "B": []}, "raw": None},
        {"id": 2, "score": -0.25, "whole": 1e-7, "flag": False, "options": None, "raw": "null"},
    ],
}
OK = b'{"id":1,"phone":"1"}'
CANON_HEAD = (b'{"format":"gongkao-archive","system":"tiku","version":"1.0","schema_revision":"r",'
              b'"toolkit_version":"0.1.0","exported_at":"x","scope":{},"counts":{"users":2},'
              b'"refs":{},\n"data":{\n')
PRETTY_HEAD = (b'{\n  "format": "gongkao-archive",\n  "system": "tiku",\n  "version": "1.0",\n'
               b'  "schema_revision": "r",\n  "toolkit_version": "0.1.0",\n  "exported_at": "x",\n'
               b'  "scope": {},\n  "counts": {"users": 2},\n  "refs": {},\n  "data": {\n'
               b'    "users": [\n')


def canon(*records: bytes, tail: bytes = b"\n]\n}}\n") -> bytes:
    """The writer's layout with the given record lines (line 5 is the second record)."""
    return CANON_HEAD + b'"users":[\n' + b",\n".join(records) + tail


def pretty(*records: bytes, tail: bytes = b"\n    ]\n  }\n}\n") -> bytes:
    """A hand-made layout: the token parser reads it (the second record is on line 14)."""
    return PRETTY_HEAD + b",\n".join(b"      " + r for r in records) + tail


def read_all(path) -> tuple[dict, dict]:
    return open_archive(path).to_data()


def write(tmp_path: Path, body: bytes, name: str = "a.json") -> Path:
    path = tmp_path / name
    path.write_bytes(body)
    return path


def failure(path: Path) -> str:
    """The one line a user sees, with the folder taken out."""
    with pytest.raises(ArchiveError) as info:
        read_all(path)
    return str(info.value).replace(str(path.parent) + "/", "")


def typed(value):
    """A value with the types of its numbers made visible (1 == 1.0 == True in Python)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", ["a.json", "a.json.gz"])
def test_round_trip(tmp_path, name):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / name)
    header, data = read_all(tmp_path / name)
    assert header == HEADER
    assert typed(data) == typed(DATA)
    assert list(data) == ["users", "categories", "questions"]


def test_the_writers_layout_takes_the_line_parser(tmp_path, monkeypatch):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / "a.json")
    monkeypatch.setattr(reader._Source, "_token_items",
                        lambda *a: pytest.fail("the token parser was used"))
    assert typed(read_all(tmp_path / "a.json")[1]) == typed(DATA)


def test_gzip_is_found_by_its_bytes_not_its_name(tmp_path):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / "a.json.gz")
    disguised = write(tmp_path, (tmp_path / "a.json.gz").read_bytes(), "plain.json")
    write(tmp_path, gzip.decompress(disguised.read_bytes()), "plain.gz")
    assert read_all(disguised) == read_all(tmp_path / "plain.gz") == (HEADER, DATA)


@pytest.mark.parametrize("layout", ["indent", "other_order", "header_after_data", "one_line"])
def test_other_valid_layouts_read_the_same(tmp_path, layout):
    envelope = {**HEADER, "data": DATA}
    if layout == "indent":
        body = json.dumps(envelope, indent=2)  # ensure_ascii: 😀 and 𠀀 as surrogate pairs
    elif layout == "other_order":
        body = json.dumps({"data": DATA, **dict(reversed(HEADER.items()))}, ensure_ascii=False)
    elif layout == "header_after_data":
        body = json.dumps({"format": "gongkao-archive", "data": DATA, **HEADER}, indent=1)
    else:
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    header, data = read_all(write(tmp_path, body.encode()))
    assert header == HEADER
    assert typed(data) == typed(DATA)


def test_line_layout_with_spaces_and_escapes_reads_the_same(tmp_path):
    body = canon(OK, b'{ "id" : 2, "name":"\\u5f20\\ud83d\\ude00", "f": 1E2 }')
    assert typed(read_all(write(tmp_path, body))[1]["users"]) == typed(
        [{"id": 1, "phone": "1"}, {"id": 2, "name": "张😀", "f": 100.0}])


def test_record_broken_over_lines_falls_back_without_losing_records(tmp_path):
    # a hand edit in a file of the writer's layout: the token parser takes over there
    body = canon(OK, b'{"id":2,\n"phone":"2"}', b'{"id":3}', tail=b'\n],\n"more":[\n{"id":4}\n]\n}}\n')
    header, data = read_all(write(tmp_path, body))
    assert data == {"users": [{"id": 1, "phone": "1"}, {"id": 2, "phone": "2"}, {"id": 3}],
                    "more": [{"id": 4}]}


def test_modules_can_be_read_again_and_abandoned(tmp_path):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / "a.json")
    archive = open_archive(tmp_path / "a.json")
    seen = []
    for key, records in archive.modules():
        seen.append((key, next(records, None)))  # take one, leave the rest
    assert seen == [("users", DATA["users"][0]), ("categories", None),
                    ("questions", DATA["questions"][0])]
    assert archive.to_data()[1] == DATA
    assert archive.source == str(tmp_path / "a.json")


@pytest.mark.parametrize("make", [canon, pretty], ids=["lines", "tokens"])
def test_header_is_read_without_reading_the_records(tmp_path, make):
    path = write(tmp_path, make(OK, b'{"id":2,"phone":NaN}'))
    archive = open_archive(path)  # no error yet: the records were not read
    assert archive.header["counts"] == {"users": 2}
    with pytest.raises(ArchiveError, match="NaN"):
        archive.to_data()


def test_non_object_records_are_yielded_as_they_are(tmp_path):
    path = write(tmp_path, canon(OK, b"[1,2]", b'"text"', b"null", b"7"))
    assert read_all(path)[1]["users"] == [{"id": 1, "phone": "1"}, [1, 2], "text", None, 7]


def test_stdin_through_a_subprocess(tmp_path):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / "a.json.gz")
    code = ("import json; from toolkit.reader import open_archive; a = open_archive('-'); "
            "a.to_data(); print(json.dumps(a.to_data()[1], ensure_ascii=False), a.source)")
    out = subprocess.run([sys.executable, "-c", code], input=(tmp_path / "a.json.gz").read_bytes(),
                         capture_output=True, check=True).stdout.decode()
    data, source = out.rsplit(" ", 1)
    assert json.loads(data) == DATA and source.strip() == "<stdin>"


def test_stdin_is_spooled_and_read_twice(tmp_path, monkeypatch):
    write_archive(Archive.from_data(HEADER, DATA), tmp_path / "a.json")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((tmp_path / "a.json").read_bytes())))
    archive = open_archive("-")
    assert archive.to_data() == archive.to_data() == (HEADER, DATA)


def test_integers_stay_int_and_floats_float(tmp_path):
    body = canon(b'{"a":1,"b":1.0,"c":12345678901234567890123,"d":-0,"e":1e2}')
    record = read_all(write(tmp_path, body))[1]["users"][0]
    assert typed(record) == {"a": ("int", 1), "b": ("float", 1.0),
                             "c": ("int", 12345678901234567890123), "d": ("int", 0),
                             "e": ("float", 100.0)}


# ------------------------------------------------------------------ damage, one message each
HINT_DUP = "(JSON readers silently keep one of the two values; remove the other)"
HINT_NAN = "(JSON has no NaN or Infinity; the value must be null or a number)"
HINT_SUR = "(a \\ud800-\\udfff escape must be half of a pair; the text was damaged)"
HINT_UTF = "(the file must be UTF-8; it was damaged or written in another encoding)"
HINT_CUT = "(the file was cut off (full disk, interrupted copy); use a complete copy)"

CASES = {
    "dup_record_lines": (canon(OK, b'{"id":2,"phone":"1","phone":"2"}'),
                         f'data.users[1]: duplicate key "phone" in a record (line 5) {HINT_DUP}'),
    "dup_record_tokens": (pretty(OK, b'{"id": 2, "phone": "1", "phone": "2"}'),
                          f'data.users[1]: duplicate key "phone" in a record {HINT_DUP}'),
    "dup_nested_lines": (canon(OK, b'{"id":2,"j":{"a":1,"a":1}}'),
                         f'data.users[1]: duplicate key "a" in a record (line 5) {HINT_DUP}'),
    "dup_header_lines": (CANON_HEAD.replace(b'"refs":{}', b'"refs":{},"system":"x"')
                         + b'"users":[]\n}}\n',
                         f'duplicate key "system" in the header (line 1) {HINT_DUP}'),
    "dup_header_tokens": (PRETTY_HEAD.replace(b'"refs": {}', b'"refs": {}, "system": "x"')
                          + b"]}}", f'duplicate key "system" at the top level {HINT_DUP}'),
    "dup_header_after_data": (pretty(OK, tail=b'\n]}, "system": "x"}'),
                              f'duplicate key "system" at the top level {HINT_DUP}'),
    "dup_module_lines": (CANON_HEAD + b'"users":[],\n"users":[]\n}}\n',
                         'duplicate key "users" in data (a module appears once)'),
    "nan_lines": (canon(OK, b'{"id":2,"score":NaN}'),
                  f"data.users[1]: NaN in a record is not a JSON number (line 5) {HINT_NAN}"),
    "inf_lines": (canon(OK, b'{"id":2,"score":Infinity}'),
                  f"data.users[1]: Infinity in a record is not a JSON number (line 5) {HINT_NAN}"),
    "minus_inf_lines": (canon(OK, b'{"id":2,"score":-Infinity}'),
                        f"data.users[1]: -Infinity in a record is not a JSON number (line 5) "
                        f"{HINT_NAN}"),
    "nan_tokens": (pretty(OK, b'{"id": 2, "score": NaN}'),
                   f"data.users[1]: NaN or Infinity is not a JSON number {HINT_NAN}"),
    "minus_inf_tokens": (pretty(OK, b'{"id": 2, "score": -Infinity}'),
                         f"data.users[1]: NaN or Infinity is not a JSON number {HINT_NAN}"),
    "nan_header": (CANON_HEAD.replace(b'"refs":{}', b'"refs":NaN') + b'"users":[]\n}}\n',
                   f"NaN in the header is not a JSON number (line 1) {HINT_NAN}"),
    "surrogate_lines": (canon(OK, b'{"id":2,"name":"a\\ud800b"}'),
                        f"data.users[1]: lone surrogate escape \\ud800 in a record (line 5) "
                        f"{HINT_SUR}"),
    "low_surrogate_lines": (canon(OK, b'{"id":2,"name":"\\udc00"}'),
                            f"data.users[1]: lone surrogate escape \\udc00 in a record (line 5) "
                            f"{HINT_SUR}"),
    "surrogate_tokens": (pretty(OK, b'{"id": 2, "name": "a\\ud800b"}'),
                         f"lone surrogate escape \\ud800 at line 14 (byte 287) {HINT_SUR}"),
    "utf8_lines": (canon(OK, b'{"id":2,"name":"\xff"}'),
                   f"data.users[1]: invalid UTF-8: byte 0xff at offset 16 of a record (line 5) "
                   f"{HINT_UTF}"),
    "utf8_tokens": (pretty(OK, b'{"id": 2, "name": "\xff"}'),
                    f"data.users[1]: invalid UTF-8 in a string {HINT_UTF}"),
    "encoded_surrogate_tokens": (pretty(OK, b'{"id": 2, "name": "\xed\xa0\x80"}'),
                                 f"data.users[1]: invalid UTF-8 (byte 0xed) {HINT_UTF}"),
    "cut_in_record_lines": (canon(OK, b'{"id":2,"na', tail=b""),
                            f"data.users[1]: the file ends in the middle of a record (line 5) "
                            f"{HINT_CUT}"),
    "cut_between_records_lines": (canon(OK, OK, tail=b",\n"),
                                  f"data.users[2]: the file ends after 2 records of this module "
                                  f"{HINT_CUT}"),
    "cut_between_modules_lines": (CANON_HEAD + b'"users":[\n' + OK + b"\n],\n",
                                  f"data.users: the file ends inside the data object {HINT_CUT}"),
    "cut_tokens": (pretty(OK, b'{"id": 2, "na', tail=b""),
                   f"data.users[1]: the file ends in the middle of the archive {HINT_CUT}"),
    "cut_in_header": (CANON_HEAD[:50], f"the file ends in the middle of the archive {HINT_CUT}"),
    "not_json": (b"id,name\n1,a\n", "not a JSON file (lexical error: invalid char in json text) "
                 "(an archive is a .json, .json.gz or .xlsx file)"),
    "top_level_list": (b'[{"id": 1}]', 'the top level is a list, not an object: not a gongkao '
                       'archive (an archive is {"format": "gongkao-archive", ..., "data": {...}})'),
    "no_data": (b'{"format": "gongkao-archive", "system": "tiku"}', 'the archive has no "data" '
                'object (an archive is the header plus data: {module: [records]})'),
    "data_not_object": (b'{"format": "gongkao-archive", "data": [1]}',
                        '"data" must be an object {module: [records]}'),
    "module_not_list": (b'{"format": "gongkao-archive", "data": {"users": {}}}',
                        "data.users: a module must be a list of records"),
    "garbage_after_lines": (canon(OK, OK) + b"xx", "unexpected content after the end of the archive"),
    "garbage_after_tokens": (pretty(OK, OK) + b"xx",
                             "unexpected content after the end of the archive"),
    "empty": (b"", "the file is empty, not an archive (an export that failed leaves no file; "
              "look for a complete one)"),
}


@pytest.mark.parametrize("case", CASES)
def test_damage_is_named(tmp_path, case):
    body, message = CASES[case]
    assert failure(write(tmp_path, body)) == f"a.json: {message}"


def test_damage_in_the_cli_is_one_line_and_exit_1(tmp_path):
    from click.testing import CliRunner

    from toolkit.cli import cli
    if "validate" not in cli.commands:
        pytest.skip("toolkit validate is not there yet")
    path = write(tmp_path, canon(OK, b'{"id":2,"phone":"1","phone":"2"}'))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert 'duplicate key "phone" in a record' in result.output
    assert "Traceback" not in result.output


def _gzip_of_many_records() -> bytes:
    return gzip.compress(canon(*[b'{"id":%d,"phone":"%d"}' % (i, i * 7919) for i in range(50_000)]),
                         mtime=0)


def test_truncated_gzip(tmp_path):
    packed = _gzip_of_many_records()
    path = write(tmp_path, packed[: len(packed) // 2], "a.json.gz")
    message = failure(path)
    assert message.startswith("a.json.gz: data.users[")
    assert message.endswith(f"the gzip stream ends before its end marker {HINT_CUT}")


def test_corrupt_gzip(tmp_path):
    packed = bytearray(_gzip_of_many_records())
    for i in range(len(packed) // 2, len(packed) // 2 + 8):
        packed[i] ^= 0xFF
    message = failure(write(tmp_path, bytes(packed), "a.json.gz"))
    assert message.startswith("a.json.gz: ")
    assert "corrupt gzip stream: " in message
    assert message.endswith("(the compressed file is damaged; use another copy)")


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError) as info:
        open_archive(tmp_path / "nope.json")
    assert info.value.exit_code == 2
    assert str(info.value) == (f"{tmp_path / 'nope.json'}: archive file does not exist "
                               "(give the path of a .json, .json.gz or .xlsx archive)")
    with pytest.raises(UsageError, match="is a folder"):
        open_archive(tmp_path)


def test_xlsx_is_handed_to_the_excel_reader(tmp_path, monkeypatch):
    import types
    calls = []
    fake = types.ModuleType("toolkit.excel")
    fake.read_workbook = lambda path: calls.append(Path(path)) or "workbook"
    monkeypatch.setitem(sys.modules, "toolkit.excel", fake)
    path = write(tmp_path, b"PK\x03\x04rest of a zip", "a.backup")
    assert open_archive(path) == "workbook" and calls == [path]


# ------------------------------------------------------------------ lone surrogates, any chunking
def _random_string_body(rng: random.Random) -> tuple[str, bool]:
    """JSON string content with escapes, and whether it holds a lone surrogate."""
    pieces = []
    for _ in range(rng.randrange(1, 12)):
        pieces.append(rng.choice([
            "a", "中", "\\\\", "\\\\u", "\\\\ud800", "\\\\\\ud83d\\ude00", "\\ud83d\\ude00",
            "\\u0041", "\\n", "\\ud800", "\\udc00", "\\uDBFF\\uDFFF", "\\ud83d\\u0041", "\\\\\\\\",
            "x" * rng.randrange(0, 20)]))
    text = "".join(pieces)
    value = json.loads(f'"{text}"')
    try:
        value.encode("utf-8")
        return text, False
    except UnicodeEncodeError:
        return text, True


@pytest.mark.parametrize("chunk", [17, 23, 64, 1 << 16])
def test_surrogate_scan_agrees_with_a_strict_parser(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(reader, "_CHUNK", chunk)
    rng = random.Random(chunk)
    for trial in range(150):
        text, lone = _random_string_body(rng)
        path = write(tmp_path, pretty(OK, f'{{"id": 2, "name": "{text}"}}'.encode()))
        if lone:
            assert "lone surrogate escape" in failure(path), text
        else:
            assert read_all(path)[1]["users"][1]["name"] == json.loads(f'"{text}"'), text
