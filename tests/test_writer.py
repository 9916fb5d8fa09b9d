"""toolkit.writer: the envelope layout, atomic output, counts and header checks."""
from __future__ import annotations

import gzip
import io
import os
import sys
from datetime import datetime
from pathlib import Path

import pytest

from toolkit.archive import Archive
from toolkit.errors import ArchiveError
from toolkit.writer import atomic_output, default_path, write_archive

HEADER = {
    "format": "gongkao-archive", "system": "tiku", "version": "1.0", "schema_revision": "r1",
    "toolkit_version": "0.1.0", "exported_at": "2026-12-04T15:04:05", "scope": {"since": None},
    "counts": {"users": 2, "categories": 0}, "refs": {"questions": [{"id": 5, "code": "Q5"}]},
}
DATA = {"users": [{"id": 1, "name": "张三"}, {"id": 2, "name": None}], "categories": []}


def archive(header=HEADER, data=DATA) -> Archive:
    return Archive.from_data(header, data)


def folder_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_layout_is_one_record_per_line_with_data_last(tmp_path):
    # header keys in the contract's order even when the dict has another order
    shuffled = dict(reversed(list(HEADER.items())))
    result = write_archive(archive(shuffled), tmp_path / "a.json")
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    assert text == (
        '{"format":"gongkao-archive","system":"tiku","version":"1.0","schema_revision":"r1",'
        '"toolkit_version":"0.1.0","exported_at":"2026-12-04T15:04:05","scope":{"since":null},'
        '"counts":{"users":2,"categories":0},"refs":{"questions":[{"id":5,"code":"Q5"}]},\n'
        '"data":{\n'
        '"users":[\n'
        '{"id":1,"name":"张三"},\n'
        '{"id":2,"name":null}\n'
        '],\n'
        '"categories":[]\n'
        '}}\n')
    assert result.counts == {"users": 2, "categories": 0}
    assert result.bytes == len(text.encode("utf-8"))
    assert result.path == str(tmp_path / "a.json")


def test_extra_header_keys_follow_the_known_ones(tmp_path):
    write_archive(archive({**HEADER, "note": "x"}), tmp_path / "a.json")
    first = (tmp_path / "a.json").read_text(encoding="utf-8").splitlines()[0]
    assert first.endswith('"refs":{"questions":[{"id":5,"code":"Q5"}]},"note":"x",')


def test_no_modules_at_all(tmp_path):
    write_archive(archive({**HEADER, "counts": {}}, {}), tmp_path / "a.json")
    assert (tmp_path / "a.json").read_text().endswith('},\n"data":{\n}}\n')


def test_integers_past_64_bits_are_written_exactly(tmp_path):
    data = {"users": [{"id": 2**70}, {"id": 1}], "categories": []}
    write_archive(archive(HEADER, data), tmp_path / "a.json")
    assert '{"id":1180591620717411303424},\n' in (tmp_path / "a.json").read_text()


def test_gzip_by_name_and_reproducible(tmp_path):
    write_archive(archive(), tmp_path / "a.json.gz")
    first = (tmp_path / "a.json.gz").read_bytes()
    write_archive(archive(), tmp_path / "b.json.gz")
    assert (tmp_path / "b.json.gz").read_bytes() == first  # mtime 0, no file name inside
    assert first[:2] == b"\x1f\x8b"
    write_archive(archive(), tmp_path / "a.json")
    assert gzip.decompress(first) == (tmp_path / "a.json").read_bytes()


def test_stdout(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer))
    result = write_archive(archive(), "-")
    write_archive(archive(), tmp_path / "a.json")
    assert buffer.getvalue() == (tmp_path / "a.json").read_bytes()
    assert not buffer.closed  # stdout is the caller's, never closed
    assert result.path == "-" and result.bytes == len(buffer.getvalue())


def test_creates_the_folder_and_keeps_umask_mode(tmp_path):
    target = tmp_path / "backups" / "deep" / "a.json"
    write_archive(archive(), target)
    assert target.is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert folder_names(target.parent) == ["a.json"]  # no temp file left


@pytest.mark.parametrize("name", ["a.json", "a.json.gz"])
def test_exception_mid_write_leaves_nothing(tmp_path, name):
    target = tmp_path / name
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_output(target) as out:
            out.write(b"x" * 3_000_000)  # past the buffer: bytes did reach the temp file
            raise RuntimeError("boom")
    assert folder_names(tmp_path) == []


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as out:
            out.write(b"new")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert folder_names(tmp_path) == ["a.json"]


def test_failing_record_stream_leaves_nothing(tmp_path):
    def broken():
        yield {"id": 1}
        raise ArchiveError("upstream broke")

    bad = Archive(HEADER, lambda: iter([("users", broken())]))
    with pytest.raises(ArchiveError, match="upstream broke"):
        write_archive(bad, tmp_path / "a.json")
    assert folder_names(tmp_path) == []


def test_counts_mismatch_leaves_no_file(tmp_path):
    wrong = {**HEADER, "counts": {"users": 3, "categories": 0}}
    with pytest.raises(ArchiveError) as info:
        write_archive(archive(wrong), tmp_path / "a.json")
    assert str(info.value) == (
        f"{tmp_path / 'a.json'}: data.users: counts.users says 3 but 2 written (counts must be "
        "computed in the same snapshot as the data; nothing was written)")
    assert folder_names(tmp_path) == []


def test_counts_missing_module(tmp_path):
    wrong = {**HEADER, "counts": {"users": 2, "categories": 0, "tags": 0}}
    with pytest.raises(ArchiveError, match="counts.tags says 0 but the module is absent"):
        write_archive(archive(wrong), tmp_path / "a.json")
    assert folder_names(tmp_path) == []


def test_module_without_count(tmp_path):
    wrong = {**HEADER, "counts": {"users": 2}}
    with pytest.raises(ArchiveError, match="counts.categories says nothing but 0 written"):
        write_archive(archive(wrong), tmp_path / "a.json")


def test_missing_header_field_is_named(tmp_path):
    header = {k: v for k, v in HEADER.items() if k != "schema_revision"}
    with pytest.raises(ArchiveError, match='header field "schema_revision" is missing'):
        write_archive(archive(header), tmp_path / "a.json")
    assert folder_names(tmp_path) == []


def test_unencodable_record_is_named_and_leaves_nothing(tmp_path):
    data = {"users": [{"id": 1}, {"id": 2, "name": "a\ud800"}], "categories": []}
    with pytest.raises(ArchiveError) as info:
        write_archive(archive(HEADER, data), tmp_path / "a.json")
    assert (info.value.module, info.value.record) == ("users", 1)
    assert "cannot write a record as JSON" in str(info.value)
    assert folder_names(tmp_path) == []


def test_module_twice_is_refused(tmp_path):
    twice = Archive(HEADER, lambda: iter([("users", iter([])), ("users", iter([]))]))
    with pytest.raises(ArchiveError, match='module "users" comes twice'):
        write_archive(twice, tmp_path / "a.json")


def test_unwritable_folder_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(Exception) as info:
        write_archive(archive(), tmp_path / "file" / "a.json")
    assert "cannot write the file" in str(info.value)
    assert info.value.exit_code == 1


def test_default_path():
    now = datetime(2026, 12, 4, 15, 4, 5)
    assert default_path("tiku", "1.2", now=now) == Path("backups/tiku-1.2-20261204-150405.json")
    assert default_path("dudao", "1.0", "excel", now) == Path(
        "backups/dudao-1.0-20261204-150405.xlsx")
