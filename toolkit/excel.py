"""Archive ⇄ Excel workbook: readable for people, read back exactly by a program.

Layout (a program never relies on tab names or Chinese labels):

* ``索引`` (index), the first sheet: the header fields as key/value rows
  (``scope.*`` as JSON text), then the module table — module key, 中文名,
  count and the JSON list of the sheets holding its records — then the refs
  table (module key, 中文名, id, natural key as JSON). If the refs do not fit
  they continue on ``索引 (2)``, ``索引 (3)`` …
* one sheet per module, tab = its 中文名 (``答题详情 (2)`` … when a module
  has more rows than a sheet holds): row 1 the field keys, row 2 labels for
  people, records from row 3; the two header rows are frozen.

Values: whole-second datetimes and dates (from 1900-03-01) are real Excel
dates; finer datetimes, Decimals, JSON (as JSON text), binary (base64) and
integers beyond 2**53 are text; booleans are booleans. NULL is an empty
cell, "" a string cell with no text (``<c t="inlineStr"/>``). Text starting
like a formula (= + - @ tab CR) is a string cell with Excel's quote prefix:
never a formula, never altered. Characters XML cannot hold (control
characters, U+FFFE/U+FFFF) are written in OOXML's own escape ``_xHHHH_``
(an ``_`` that would start such a sequence is written ``_x005F_``), which
Excel displays as the character and :func:`read_workbook` decodes; each such
value is reported. A cell holds 32,767 characters: a longer value is
refused, naming the record.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from toolkit import versions
from toolkit.archive import Archive
from toolkit.errors import ArchiveError, DataError
from toolkit.schemas import HEADER_FIELDS, ModuleSpec, VersionSchema
from toolkit.writer import atomic_output

MAX_ROWS = 1_048_576  # rows of an Excel sheet; a module longer than that continues
MAX_CELL = 32_767  # characters of an Excel cell (UTF-16 code units)
MAX_WIDTH = 60  # column width cap, in characters
HEADER_ROWS = 2  # field keys, then labels
INDEX = "索引"
MAX_EXACT_INT = 2**53  # beyond this Excel's doubles lose digits: such integers are text
MIN_EXCEL_DATE = date(1900, 3, 1)  # before it Excel's 1900 leap-year bug shifts dates
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_TABLE_MODULES = ("模块 module", "中文名 label", "行数 count", "工作表 sheets")
_TABLE_REFS = ("引用 refs", "中文名 label", "id", "自然键 natural key")
_LABELS = {"id": "编号", "code": "编码", "name": "名称", "title": "标题", "created_at": "创建时间",
           "updated_at": "更新时间", "description": "说明", "status": "状态",
           "sort_order": "排序", "level": "层级", "username": "用户名", "real_name": "姓名",
           "phone": "手机号", "email": "邮箱", "role": "角色", "is_active": "启用"}


@dataclass
class ExcelResult:
    path: str
    counts: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    escaped: int = 0  # values whose control characters were written as _xHHHH_
    escaped_at: list[str] = field(default_factory=list)  # the first few, for the report


# ------------------------------------------------------------------ text
def escape(text: str) -> str:
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _cell_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ------------------------------------------------------------------ writing
def sheet_names(schema: VersionSchema, counts: dict[str, int]) -> dict[str, list[str]]:
    """The tabs of each module: its 中文名, then ``中文名 (2)`` … as rows require."""
    used = {INDEX.lower()}
    per_sheet = MAX_ROWS - HEADER_ROWS
    out = {}
    for key, n in counts.items():
        label = _SHEET_BAD.sub("_", schema.module(key).label)[:24].strip("'") or key[:24]
        base = label if label.lower() not in used else f"{label[:15]} {key}"[:24]
        names = [base if i == 0 else f"{base} ({i + 1})"
                 for i in range(max(1, math.ceil(n / per_sheet)))]
        used.update(n.lower() for n in names)
        out[key] = names
    return out


def write_workbook(archive: Archive, target, *, schema: VersionSchema | None = None,
                   project=None) -> ExcelResult:
    """Write ``archive`` as an ``.xlsx`` workbook at ``target`` (or ``-``), atomically.

    Write-only mode: rows go to disk as they come, so memory stays flat.
    """
    header = archive.header
    schema = schema or versions.schema(header["system"], header["version"], project)
    counts = dict(header["counts"])
    tabs = sheet_names(schema, counts)
    result = ExcelResult(str(target))
    wb = openpyxl.Workbook(write_only=True)
    try:
        _fill(wb, archive, schema, tabs, result, str(target))
        with atomic_output(target) as out:
            wb.save(out)
    except BaseException:
        _discard(wb)
        raise
    if str(target) != "-":
        result.bytes = os.path.getsize(target)
    return result


def _fill(wb, archive: Archive, schema: VersionSchema, tabs: dict[str, list[str]],
          result: ExcelResult, target: str) -> None:
    counts = archive.header["counts"]
    _write_index(wb, archive.header, schema, tabs)
    for key, records in archive.modules():
        if key not in tabs:
            raise ArchiveError(f'module "{key}" has records but no count in the header',
                               file=target, module=key)
        result.counts[key] = _write_module(wb, schema, schema.module(key), records, tabs[key],
                                           result)
        if result.counts[key] != counts[key]:
            raise ArchiveError(f"counts.{key} says {counts[key]} but {result.counts[key]} "
                               "records came", file=target, module=key)
    missing = [k for k in counts if k not in result.counts]
    if missing:
        raise ArchiveError(f"counts name modules without records: {', '.join(missing)}",
                           file=target)


def _discard(wb) -> None:
    """Close the sheets' row writers and remove their temp files after a failure."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()
        with contextlib.suppress(Exception):
            ws._writer.cleanup()


def _write_index(wb, header: dict, schema: VersionSchema, tabs: dict[str, list[str]]) -> None:
    rows: list[list] = [["键 key", "值 value"]]
    for key in HEADER_FIELDS:
        if key == "scope":
            rows += [[f"scope.{k}", json.dumps(v, ensure_ascii=False)]
                     for k, v in header["scope"].items()]
        elif key not in ("counts", "refs"):
            rows.append([key, str(header[key])])
    rows += [[], list(_TABLE_MODULES)]
    rows += [[k, schema.module(k).label, n, json.dumps(tabs[k], ensure_ascii=False)]
             for k, n in header["counts"].items()]
    rows += [[], list(_TABLE_REFS)]
    for k, entries in header["refs"].items():
        label = schema.module(k).label
        for entry in entries:
            key = {f: v for f, v in entry.items() if f != "id"}
            rows.append([k, label, entry["id"], json.dumps(key, ensure_ascii=False)])
    for part in range(max(1, math.ceil(len(rows) / MAX_ROWS))):
        ws = wb.create_sheet(INDEX if part == 0 else f"{INDEX} ({part + 1})")
        for col, width in zip("ABCD", (24, 40, 12, 60)):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        for row in rows[part * MAX_ROWS:(part + 1) * MAX_ROWS]:
            ws.append([_text(v, ws) if isinstance(v, str) else v for v in row])


def _text(value: str, ws):
    """A string cell that is never a formula and carries no illegal character."""
    cell = WriteOnlyCell(ws, escape(value))
    cell.data_type = "s"  # openpyxl would take "=…" for a formula
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    return cell


def _label(spec: ModuleSpec, schema: VersionSchema, name: str) -> str:
    target = spec.foreign_keys.get(name)
    if target:
        return f"{schema.module(target).label}编号" if name.endswith("_id") else \
               f"{name}（{schema.module(target).label}编号）"
    return _LABELS.get(name, name)


def _width(spec: ModuleSpec, name: str) -> float:
    prop = spec.schema["properties"][name]
    kind = spec.fields[name].kind
    guess = {"datetime": 20, "date": 12, "boolean": 8, "integer": 10, "decimal": 12,
             "text": 40, "json": 40, "binary": 30}.get(kind, prop.get("maxLength", 20))
    return min(MAX_WIDTH, max(len(name) + 2, guess + 2))


def _write_module(wb, schema: VersionSchema, spec: ModuleSpec, records, tabs: list[str],
                  result: ExcelResult) -> int:
    names = spec.exported_fields
    kinds = [spec.fields[n].kind for n in names]
    per_sheet = MAX_ROWS - HEADER_ROWS
    ws = None
    n = 0
    for record in records:
        if n % per_sheet == 0:
            ws = _data_sheet(wb, schema, spec, tabs, n // per_sheet, names)
        if len(record) != len(names):
            extra = sorted(set(record) - set(names)) or sorted(set(names) - set(record))
            raise ArchiveError(f"record fields differ from the module's: {', '.join(extra)}",
                               module=spec.key, record=n, record_id=record.get("id"))
        ws.append([_cell(ws, record[f], kind, spec, n, record, f, result)
                   for f, kind in zip(names, kinds)])
        n += 1
    if n == 0:
        _data_sheet(wb, schema, spec, tabs, 0, names)
    return n


def _data_sheet(wb, schema: VersionSchema, spec: ModuleSpec, tabs: list[str], part: int,
                names: list[str]):
    if part >= len(tabs):
        raise ArchiveError(f"more records than counts.{spec.key} promised", module=spec.key)
    ws = wb.create_sheet(tabs[part])
    for i, name in enumerate(names, 1):
        ws.column_dimensions[get_column_letter(i)].width = _width(spec, name)
    ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    ws.append([_text(n, ws) for n in names])
    ws.append([_text(_label(spec, schema, n), ws) for n in names])
    return ws


def _cell(ws, value, kind: str, spec: ModuleSpec, index: int, record: dict, name: str,
          result: ExcelResult):
    if value is None or isinstance(value, bool):
        return value
    if kind == "integer" and isinstance(value, int):
        return value if abs(value) <= MAX_EXACT_INT else _text(str(value), ws)
    if kind == "number" and isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise DataError(f"{value} cannot be stored", module=spec.key, record=index,
                            record_id=record.get("id"), field=name)
        return value
    if kind == "datetime" and isinstance(value, str) and len(value) == 19:
        dt = datetime.fromisoformat(value)
        if dt.date() >= MIN_EXCEL_DATE:
            cell = WriteOnlyCell(ws, dt)
            cell.number_format = DATETIME_FORMAT
            return cell
    if kind == "date" and isinstance(value, str):
        d = date.fromisoformat(value)
        if d >= MIN_EXCEL_DATE:
            cell = WriteOnlyCell(ws, d)
            cell.number_format = DATE_FORMAT
            return cell
    text = value if isinstance(value, str) and kind != "json" else \
        json.dumps(value, ensure_ascii=False)
    # measured before openpyxl sees it: openpyxl silently cuts text at 32,767
    length = _cell_length(escape(text))
    if length > MAX_CELL:
        raise DataError(f"{length} characters do not fit an Excel cell "
                        f"(at most {MAX_CELL})", module=spec.key, record=index,
                        record_id=record.get("id"), field=name,
                        hint="export this module as JSON (--format json)")
    if not text.startswith(FORMULA_START) and not _ESCAPE.search(text):
        return text  # the common case: openpyxl makes a plain string cell itself (fast)
    cell = _text(text, ws)
    if _ILLEGAL.search(text):
        result.escaped += 1
        if len(result.escaped_at) < 10:
            result.escaped_at.append(f"data.{spec.key}[{index}] (id {record.get('id')}) "
                                     f"field {name}")
    return cell


# ------------------------------------------------------------------ reading
def read_workbook(path, *, project=None) -> Archive:
    """A workbook written by :func:`write_workbook` back as the same header and records.

    Read-only mode (rows stream; openpyxl parses with defusedxml when it is
    installed, which refuses XML bombs). Field kinds come from the schema of
    the version the index names; row 1 of each sheet names the fields.
    """
    path = str(path)
    wb = _open(path)
    try:
        header, tabs = _read_index(wb, path)
    finally:
        wb.close()
    schema = versions.schema(header["system"], header["version"], project)
    for key in tabs:
        if key not in schema.module_keys:
            raise ArchiveError(f"module {key!r} is not part of {schema.system} {schema.version}",
                               file=path, module=key)

    def open_modules():
        book = _open(path)
        try:
            for key, names in tabs.items():
                yield key, _read_module(book, schema.module(key), names, path)
        finally:
            book.close()

    return Archive(header, open_modules, source=path)


def _open(path: str):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError as exc:
        raise ArchiveError("file not found", file=path) from exc
    except Exception as exc:  # zip, XML, defusedxml and openpyxl errors alike
        raise ArchiveError(f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}",
                           file=path) from exc


def _read_index(wb, path: str) -> tuple[dict, dict[str, list[str]]]:
    if INDEX not in wb.sheetnames:
        raise ArchiveError(f"no sheet {INDEX!r}; not a workbook written by the toolkit", file=path)
    header: dict = {}
    scope: dict = {}
    counts: dict[str, int] = {}
    refs: dict[str, list] = {}
    tabs: dict[str, list[str]] = {}
    section = "header"
    part = 1
    while (name := INDEX if part == 1 else f"{INDEX} ({part})") in wb.sheetnames:
        ws = wb[name]
        ws.reset_dimensions()
        for number, row in enumerate(ws.iter_rows(values_only=True), 1):
            cells = [unescape(v) if isinstance(v, str) else v for v in row]
            first = cells[0] if cells else None
            if first in (None, "", "键 key"):
                continue
            try:
                if first == _TABLE_MODULES[0]:
                    section = "modules"
                elif first == _TABLE_REFS[0]:
                    section = "refs"
                elif section == "header" and first.startswith("scope."):
                    scope[first[6:]] = json.loads(cells[1])
                elif section == "header":
                    header[first] = cells[1]
                elif section == "modules":
                    counts[first] = int(cells[2])
                    tabs[first] = json.loads(cells[3])
                else:
                    refs.setdefault(first, []).append({"id": int(cells[2]),
                                                       **json.loads(cells[3])})
            except (ValueError, TypeError, IndexError, AttributeError) as exc:
                raise ArchiveError(f"sheet {name!r} row {number}: cannot read {first!r}: {exc}",
                                   file=path) from exc
        part += 1
    missing = [k for k in HEADER_FIELDS if k not in ("scope", "counts", "refs") and k not in header]
    if missing or "system" not in header:
        raise ArchiveError(f"the index sheet lacks {', '.join(missing)}", file=path)
    ordered = {k: header.pop(k) for k in HEADER_FIELDS if k in header}
    ordered.update(scope=scope, counts=counts, refs=refs)
    ordered.update(header)  # fields a newer toolkit added, kept as they are
    return ordered, tabs


def _read_module(wb, spec: ModuleSpec, tabs: list[str], path: str):
    index = 0
    for tab in tabs:
        if tab not in wb.sheetnames:
            raise ArchiveError(f"sheet {tab!r} named in the index is missing", file=path,
                               module=spec.key)
        ws = wb[tab]
        ws.reset_dimensions()
        rows = ws.iter_rows()
        names = [unescape(c.value) if isinstance(c.value, str) else c.value
                 for c in next(rows, ())]
        while names and names[-1] is None:
            names.pop()
        for col, name in enumerate(names, 1):
            if name not in spec.fields:
                raise ArchiveError(f"sheet {tab!r} column {get_column_letter(col)}: {name!r} is "
                                   f"not a field of {spec.key}", file=path, module=spec.key)
        kinds = [spec.fields[n].kind for n in names]
        next(rows, None)  # labels for people
        for row in rows:
            row = list(row)[:len(names)]
            if all(c.value is None and c.data_type not in ("inlineStr", "s") for c in row):
                continue  # a blank line someone left
            row += [None] * (len(names) - len(row))
            record = {}
            for name, kind, cell in zip(names, kinds, row):
                try:
                    record[name] = _value(cell, kind)
                except (ValueError, TypeError) as exc:
                    raise ArchiveError(f"sheet {tab!r} cell {cell.coordinate}: {exc}", file=path,
                                       module=spec.key, record=index, field=name) from exc
            yield record
            index += 1


def _value(cell, kind: str):
    if cell is None:
        return None
    v, t = cell.value, cell.data_type
    if t == "f":
        raise ValueError(f"a formula ({v}); the toolkit reads values, not formulas")
    if t == "e":
        raise ValueError(f"an error value ({v})")
    if v is None or v == "":
        return "" if t in ("inlineStr", "s") else None
    if isinstance(v, str):
        v = unescape(v)
    if kind == "integer":
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise ValueError(f"{v!r} is not an integer")
        return int(v)
    if kind == "number":
        return float(v)
    if kind == "boolean":
        if isinstance(v, bool):
            return v
        if v in (0, 1, "TRUE", "FALSE", "true", "false"):
            return v in (1, "TRUE", "true")
        raise ValueError(f"{v!r} is not a boolean")
    if kind == "datetime" and isinstance(v, datetime):
        return v.isoformat()
    if kind == "date" and isinstance(v, (datetime, date)):
        return (v.date() if isinstance(v, datetime) else v).isoformat()
    if kind == "json":
        return json.loads(v) if isinstance(v, str) else v
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v if isinstance(v, str) else str(v)
