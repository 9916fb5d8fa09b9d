"""excel: archive → workbook → the same header and records, with the awkward values."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from tests.databases import PROJECT
from toolkit import excel, versions
from toolkit.archive import Archive
from toolkit.errors import ArchiveError, DataError

NASTY = ["", None, "=SUM(A1:A3)", "=1+1", "+86 138", "-1 是负数", "@考生", "\t缩进", "\r回车",
         "a\x01b\x1fc\x00", "_x0041_ stays", "_x005F_", "表情😀 和 𠀀", "行一\r\n行二",
         " 前后空格 ", "\ufffe"]


def generic(spec, n: int) -> dict:
    out = {}
    for name in spec.exported_fields:
        kind = spec.fields[name].kind
        out[name] = {"integer": n, "boolean": n % 2 == 0, "decimal": "12.05",
                     "datetime": "2026-12-04T15:04:05", "date": "2026-12-04",
                     "json": {"A": "选项", "n": [1, 2.5, None, True]}}.get(kind, f"t{n}")
    return out


def nasty_archive(schema, module="questions", copies=None) -> Archive:
    spec = schema.module(module)
    texts = [n for n, f in spec.fields.items() if f.kind in ("string", "text") and f.nullable
             and n in spec.exported_fields]
    records = []
    for i, value in enumerate(NASTY):
        rec = generic(spec, i + 1)
        for name in texts:
            rec[name] = value
        records.append(rec)
    # finer datetimes are text, whole seconds real dates; an old date; JSON scalars
    records[0]["created_at"] = "2026-12-04T15:04:05.000001"
    records[1]["created_at"] = "1899-12-31T00:00:00"
    records[2]["options"] = "just a JSON string"
    records[3]["options"] = None
    records[4]["options"] = "=not a formula"
    records[5]["id"] = 2**60  # beyond what Excel's doubles hold
    header = {"format": "gongkao-archive", "system": schema.system, "version": schema.version,
              "schema_revision": schema.revision, "toolkit_version": "0.1.0",
              "exported_at": "2026-12-04T15:04:05+08:00",
              "scope": {"since": "2026-12-01T00:00:00", "modules": [module],
                        "excluded_fields": {}},
              "counts": {module: len(records)},
              "refs": {"categories": [{"id": 3, "code": "=C01"}],
                       "question_books": [{"id": 9, "title": "题本\x02"}]}}
    return Archive.from_data(header, {module: records})


@pytest.fixture
def schema():
    return versions.head("tiku", PROJECT)


def test_defusedxml_guards_openpyxl():
    assert openpyxl.DEFUSEDXML


def test_round_trip_of_awkward_values(schema, tmp_path):
    archive = nasty_archive(schema)
    path = tmp_path / "a.xlsx"
    result = excel.write_workbook(archive, path, schema=schema)
    header, data = archive.to_data()
    back_header, back_data = excel.read_workbook(path, project=PROJECT).to_data()
    assert back_header == header
    assert back_data == data  # "" and None distinct, control chars and _x…_ exact
    assert result.counts == {"questions": len(NASTY)}
    assert result.escaped >= 4  # reported: \r, \x01…, \r\n, U+FFFE
    assert any(e.startswith("data.questions[9] (id 10) field") for e in result.escaped_at)

    with zipfile.ZipFile(path) as z:  # formula-like text never became a formula
        for name in z.namelist():
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == excel.INDEX
    ws = wb[schema.module("questions").label]
    assert ws.freeze_panes == "A3"
    keys = [c.value for c in ws[1]]
    assert keys == schema.module("questions").exported_fields
    created = keys.index("created_at") + 1
    assert ws.cell(3, created).data_type == "s"  # microseconds: text
    assert ws.cell(5, created).is_date  # whole seconds: a real date
    assert ws.cell(5, keys.index("score") + 1).data_type == "s"  # Decimal exact as text
    stem = keys.index("analysis") + 1
    assert ws.cell(5, stem).value == "=SUM(A1:A3)" and ws.cell(5, stem).data_type == "s"
    assert ws.cell(5, stem).quotePrefix
    assert ws.column_dimensions["B"].width == pytest.approx(18)  # code: maxLength 16 + 2


def test_rows_continue_on_next_sheet(schema, tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 6)  # 4 records per sheet after the 2 header rows
    archive = nasty_archive(schema)
    path = tmp_path / "a.xlsx"
    excel.write_workbook(archive, path, schema=schema)
    label = schema.module("questions").label
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    # the index (header, module table, refs) continues too
    assert names[0] == excel.INDEX and names[1] == f"{excel.INDEX} (2)"
    assert [n for n in names if not n.startswith(excel.INDEX)] == \
        [label] + [f"{label} ({i})" for i in range(2, 5)]
    assert excel.read_workbook(path, project=PROJECT).to_data() == archive.to_data()


def test_too_long_a_value_is_refused_and_leaves_no_file(schema, tmp_path):
    archive = nasty_archive(schema)
    header, data = archive.to_data()
    data["questions"][7]["stem"] = "长" * (excel.MAX_CELL + 1)
    path = tmp_path / "a.xlsx"
    with pytest.raises(DataError) as err:
        excel.write_workbook(Archive.from_data(header, data), path, schema=schema)
    assert "data.questions[7] (id 8) field stem" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_emoji_count_twice_against_the_cell_limit(schema, tmp_path):
    header, data = nasty_archive(schema).to_data()
    data["questions"][0]["stem"] = "😀" * (excel.MAX_CELL // 2 + 1)  # UTF-16: 2 units each
    with pytest.raises(DataError, match="do not fit"):
        excel.write_workbook(Archive.from_data(header, data), tmp_path / "a.xlsx", schema=schema)


def test_counts_that_lie_leave_no_file(schema, tmp_path):
    header, data = nasty_archive(schema).to_data()
    header["counts"]["questions"] += 1
    with pytest.raises(ArchiveError, match="counts.questions"):
        excel.write_workbook(Archive.from_data(header, data), tmp_path / "a.xlsx", schema=schema)
    assert list(tmp_path.iterdir()) == []


def test_xml_bomb_is_refused(schema, tmp_path):
    path = tmp_path / "a.xlsx"
    excel.write_workbook(nasty_archive(schema), path, schema=schema)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                lol = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
                    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                    for i in range(8)) + "]>"
                body = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"")
                              + lol.encode(), body, count=1)
            dst.writestr(item, body)
    with pytest.raises(ArchiveError, match="not a readable .xlsx") as err:
        excel.read_workbook(bomb, project=PROJECT)
    causes, exc = [], err.value
    while exc is not None:
        causes.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    assert "EntitiesForbidden" in causes  # defusedxml said no, not some parse accident


def test_not_a_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("hello")
    with pytest.raises(ArchiveError, match="not a readable"):
        excel.read_workbook(path, project=PROJECT)
