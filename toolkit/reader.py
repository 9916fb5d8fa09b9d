"""Archive file (JSON, gzip, stdin, Excel) → header + record stream.

:func:`open_archive` reads the header (every top-level key but ``data``)
without reading the records and returns an :class:`~toolkit.archive.Archive`
whose ``modules()`` re-opens the file and streams the records; nothing holds
a module in memory. Gzip and Excel are recognised by their first bytes, not
by the file name; ``-`` is stdin, spooled to a temp file so it can be read
twice.

Two parsers, one result:

* **lines** (fast): a file in the layout :mod:`toolkit.writer` produces has
  one record per line, so each line is decoded with orjson. orjson already
  refuses NaN/Infinity, invalid UTF-8 and lone surrogates; duplicate keys are
  caught by encoding the record again: if the bytes equal the line, no key
  was repeated (a repeated key would be missing from the re-encoding). A
  line that differs (spaces, escapes, huge integers that orjson turns into
  floats) is parsed again strictly with the stdlib to find out why.
* **tokens** (any valid JSON: pretty-printed, other key order, header keys
  after ``data``): ijson's C backend, records built from its events with
  the same checks. ijson turns a lone surrogate escape into ``?``, so the
  bytes are scanned for those escapes on their way into it.

A file that starts in the line layout but leaves it later (a record broken
over two lines by hand) is parsed again from the start with the token
parser, which skips what was already handed out and goes on from there.

Every problem is an :class:`ArchiveError` naming the file and where: the
module and record index (``data.users[3]``), the header, or a line and byte.

Limits: header keys after ``data`` are looked for (by reading the file once
more) only when a required header field is missing before it; other keys
after ``data`` are checked for duplicates while the records are read, but do
not appear in ``header``. The token parser refuses integers past 64 bits
(yajl cannot hold them; no database column can either); the line parser
reads them exactly.
"""
from __future__ import annotations

import atexit
import contextlib
import gzip
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import ijson
import orjson

from toolkit.archive import Archive, ModuleStream
from toolkit.errors import ArchiveError, UsageError
from toolkit.schemas import HEADER_FIELDS

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_LIMIT = 64 << 20  # the header line may carry large refs, but never the whole file
_CHUNK = 1 << 16
_DATA_LINE = b'"data":{\n'
_STDIN = "<stdin>"


# ------------------------------------------------------------------ entry point
def open_archive(path: str | os.PathLike) -> Archive:
    """Open an archive file (``-`` for stdin): its header now, its records on demand."""
    name = str(path)
    if name == "-":
        path, name = _spool_stdin(), _STDIN
    else:
        path = Path(path)
        if not path.is_file():
            why = "is a folder, not a file" if path.is_dir() else "does not exist"
            raise UsageError(f"archive file {why}", file=name,
                             hint="give the path of a .json, .json.gz or .xlsx archive")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise UsageError(f"cannot open the archive: {exc.strerror}", file=name) from exc
    if magic == ZIP_MAGIC:
        return _open_excel(path, name)
    if not magic:
        raise ArchiveError("the file is empty, not an archive", file=name,
                           hint="an export that failed leaves no file; look for a complete one")
    source = _Source(Path(path), name, magic.startswith(GZIP_MAGIC))
    return Archive(source.read_header(), source.modules, name)


def _open_excel(path, name: str) -> Archive:
    try:
        from toolkit.excel import read_workbook
    except ImportError as exc:
        raise ArchiveError("this is an Excel workbook, and Excel archives cannot be read "
                           "by this installation", file=name) from exc
    return read_workbook(path)


def _spool_stdin() -> Path:
    # stdin can be read once; modules() may read the archive twice
    fd, tmp = tempfile.mkstemp(prefix="toolkit-stdin-", suffix=".archive")
    atexit.register(_remove, tmp)
    with open(fd, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return Path(tmp)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# ------------------------------------------------------------------ problems
class _Bad(Exception):
    """A problem found in one JSON text, before we know where it sits in the file."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class _Deviation(Exception):
    """The file leaves the one-record-per-line layout: read on with the token parser."""


class _Pos:
    """Where the line parser is: for messages, and to resume with the token parser."""

    __slots__ = ("module", "index", "done")

    def __init__(self):
        self.module: str | None = None
        self.index: int | None = None  # records of the current module already yielded
        self.done = 0  # items (module starts and records) of finished modules


class _Start:
    """Marks the start of a module in the flat item stream (records are anything else)."""

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key


def _dup(key: str, where: str) -> _Bad:
    return _Bad(f'duplicate key "{key}" in {where}',
                "JSON readers silently keep one of the two values; remove the other")


_NAN_HINT = "JSON has no NaN or Infinity; the value must be null or a number"
_SURROGATE_HINT = "a \\ud800-\\udfff escape must be half of a pair; the text was damaged"
_UTF8_HINT = "the file must be UTF-8; it was damaged or written in another encoding"
_TRUNCATED_HINT = "the file was cut off (full disk, interrupted copy); use a complete copy"
_GZIP_HINT = "the compressed file is damaged; use another copy"


# ------------------------------------------------------------------ strict decode of one text
class _NonFinite(Exception):
    pass


def _reject_constant(name: str):
    raise _NonFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NonFinite(text)
    return value


def _pairs(where: str):
    def hook(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen = set()
            for key, _ in pairs:
                if key in seen:
                    raise _dup(key, where)
                seen.add(key)
        return obj
    return hook


def _strict_loads(raw: bytes, where: str):
    """Parse one JSON text the slow, exact way; raise :class:`_Bad` saying what is wrong.

    Integers stay int (orjson turns those past 64 bits into floats), floats
    are float, and each kind of damage gets its own message.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(f"invalid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} "
                   f"of {where}", _UTF8_HINT) from None
    try:
        value = json.loads(text, object_pairs_hook=_pairs(where), parse_constant=_reject_constant,
                           parse_float=_finite_float)
    except _NonFinite as exc:
        raise _Bad(f"{exc.args[0]} in {where} is not a JSON number", _NAN_HINT) from None
    except json.JSONDecodeError as exc:
        raise _Bad(f"not valid JSON in {where}: {exc.msg} at column {exc.colno}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(exc.object[exc.start])
        raise _Bad(f"lone surrogate escape \\u{code:04x} in {where}", _SURROGATE_HINT) from None
    return value


def _decode_line(raw: bytes, where: str):
    """orjson when the bytes are canonical; the strict parser when they are not."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _strict_loads(raw, where)
    if orjson.dumps(value) != raw:
        return _strict_loads(raw, where)
    return value


# ------------------------------------------------------------------ one archive file
class _Source:
    def __init__(self, path: Path, name: str, gzipped: bool):
        self.path = path
        self.name = name
        self.gzipped = gzipped
        self.header: dict = {}
        self.lines = False  # the file is in the writer's one-record-per-line layout

    def open(self) -> BinaryIO:
        raw = open(self.path, "rb", buffering=_CHUNK)
        if not self.gzipped:
            return raw
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), _CHUNK)

    def error(self, message: str, hint: str | None = None, module: str | None = None,
              record: int | None = None, *, checked: bool = False) -> ArchiveError:
        if self.gzipped and not checked:
            # damaged deflate data often decompresses to garbage before the CRC at the
            # end says so: name the real cause rather than the garbage it produced
            message, hint = self._gzip_damage() or (message, hint)
        return ArchiveError(message, file=self.name, module=module, record=record, hint=hint)

    def _gzip_damage(self) -> tuple[str, str] | None:
        try:
            with gzip.open(self.path, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except EOFError:
            return "the gzip stream ends before its end marker", _TRUNCATED_HINT
        except (OSError, zlib.error) as exc:
            return f"corrupt gzip stream: {exc}", _GZIP_HINT
        return None

    @contextlib.contextmanager
    def reading(self, where):
        """Turn damage below the JSON level (gzip, I/O) into one line naming the place."""
        try:
            yield
        except EOFError as exc:
            raise self.error("the gzip stream ends before its end marker", _TRUNCATED_HINT,
                             *where(), checked=True) from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise self.error(f"corrupt gzip stream: {exc}", _GZIP_HINT, *where(),
                             checked=True) from exc
        except OSError as exc:
            raise self.error(f"cannot read the file: {exc}", None, *where(),
                             checked=True) from exc

    # -------------------------------------------------------------- header
    def read_header(self) -> dict:
        with self.reading(lambda: (None, None)), self.open() as f:
            first = f.readline(_SNIFF_LIMIT)
            if first.startswith(b"{") and first.endswith(b",\n") and f.readline() == _DATA_LINE:
                header = self._line_header(first)
                if header and all(k in header for k in HEADER_FIELDS):
                    self.header, self.lines = header, True
                    return header
        self.header = self._token_header()
        return self.header

    def _line_header(self, first: bytes) -> dict:
        try:
            header = _decode_line(first[:-2] + b"}", "the header")
        except _Bad as exc:
            if exc.message.startswith("not valid JSON"):
                return {}  # not the writer's layout after all: the token parser decides
            raise self.error(exc.message + " (line 1)", exc.hint) from None
        if "data" in header:
            raise self.error('duplicate key "data" at the top level',
                             "an archive has one data object")
        return header

    def _token_header(self) -> dict:
        header: dict = {}
        with self.reading(lambda: (None, None)), self.open() as f:
            tokens = _Tokens(f, self)
            tokens.start()
            for key in tokens.top_keys():
                if key in header:
                    raise self.error(f'duplicate key "{key}" at the top level', _dup(key, "").hint)
                if key == "data":
                    if all(k in header for k in HEADER_FIELDS):
                        return header
                    tokens.skip_value()  # header fields may follow data: read on
                    header["data"] = None  # (only to catch a second "data")
                    continue
                header[key] = tokens.value("the header")
            if "data" not in header:
                raise self.error('the archive has no "data" object',
                                 "an archive is the header plus data: {module: [records]}")
            del header["data"]
        return header

    # -------------------------------------------------------------- records
    def modules(self) -> ModuleStream:
        return _group(self._items())

    def _items(self) -> Iterator:
        """Module starts and records in file order, flat."""
        if self.lines:
            return self._line_items()
        return self._token_items(skip=0)

    def _line_items(self) -> Iterator:
        pos = _Pos()
        try:
            with self.reading(lambda: (pos.module, pos.index)), self.open() as f:
                f.readline(_SNIFF_LIMIT)
                f.readline()
                seen: set[str] = set()
                lineno = 2
                more = True  # after "data":{ or a comma, a module (or the end) follows
                for line in f:
                    lineno += 1
                    if line == b"}}\n" or line == b"}}":
                        if more and seen:
                            raise _Deviation  # a trailing comma: let the token parser say so
                        while chunk := f.read(_CHUNK):
                            if chunk.strip():
                                raise _Deviation  # keys after data, or garbage
                        return
                    if not more:
                        raise _Deviation
                    key = self._line_module(line, seen)
                    pos.module, pos.index = key, None
                    yield _Start(key)
                    pos.done += 1
                    if line.endswith((b"[]\n", b"[],\n")):
                        more = line.endswith(b",\n")
                        continue
                    pos.index = 0
                    lineno, more = yield from self._line_records(f, pos, lineno)
                    pos.done += pos.index
                    pos.index = None
                raise self.error("the file ends inside the data object", _TRUNCATED_HINT,
                                 pos.module)
        except _Deviation:
            pass
        yield from self._token_items(pos.done + (pos.index or 0))

    def _line_module(self, line: bytes, seen: set[str]) -> str:
        head, sep, _ = line.rpartition(b":[")
        if not sep or not line.endswith((b"[\n", b"[]\n", b"[],\n")):
            raise _Deviation
        try:
            key = orjson.loads(head)
        except orjson.JSONDecodeError:
            raise _Deviation from None
        if not isinstance(key, str):
            raise _Deviation
        if key in seen:
            raise self.error(f'duplicate key "{key}" in data', "a module appears once")
        seen.add(key)
        return key

    def _line_records(self, f, pos: "_Pos", lineno: int):
        """Yield one module's records; return (last line number, more modules follow).

        The hot loop of the reader: one orjson decode and encode per record.
        """
        module, index = pos.module, 0
        comma = True
        loads, dumps, strict = orjson.loads, orjson.dumps, _strict_loads
        try:
            for line in f:
                lineno += 1
                if line.endswith(b",\n"):
                    raw, next_comma = line[:-2], True
                elif line.endswith(b"\n"):
                    raw, next_comma = line[:-1], False
                else:
                    raise self.error(f"the file ends in the middle of a record (line {lineno})",
                                     _TRUNCATED_HINT, module, index)
                if raw[:1] == b"]":
                    if (comma and index) or raw != b"]":
                        raise _Deviation  # a trailing comma or more on the line
                    return lineno, next_comma
                if not comma:
                    raise _Deviation  # two records without a comma, or a record over lines
                try:
                    value = loads(raw)
                    if dumps(value) != raw:
                        value = strict(raw, "a record")
                except orjson.JSONDecodeError:
                    try:
                        value = strict(raw, "a record")
                    except _Bad as exc:
                        if exc.message.startswith("not valid JSON"):
                            raise _Deviation from None  # maybe a record over several lines
                        raise self.error(f"{exc.message} (line {lineno})", exc.hint, module,
                                         index) from None
                except _Bad as exc:
                    raise self.error(f"{exc.message} (line {lineno})", exc.hint, module,
                                     index) from None
                comma = next_comma
                yield value
                index += 1
            raise self.error(f"the file ends after {index} records of this module",
                             _TRUNCATED_HINT, module, index)
        finally:
            pos.index = index

    def _token_items(self, skip: int) -> Iterator:
        tokens = None
        with self.reading(lambda: tokens.where() if tokens else (None, None)), \
                self.open() as f:
            tokens = _Tokens(f, self)
            items = tokens.items()
            for _ in range(skip):
                next(items)
            yield from items


# ------------------------------------------------------------------ token parser
class _Tokens:
    """ijson events of one file, turned into header values, module starts and records."""

    def __init__(self, f: BinaryIO, source: _Source):
        self.source = source
        self.scan = _SurrogateScan(f, source)
        self.events = ijson.basic_parse(self.scan, use_float=True)
        self.module: str | None = None
        self.index: int | None = None
        self.begun = False  # a first token was read: the file is JSON at least

    def where(self) -> tuple[str | None, int | None]:
        return self.module, self.index

    def next(self) -> tuple[str, object]:
        try:
            return next(self.events)
        except StopIteration:
            raise self._truncated() from None
        except ijson.JSONError as exc:
            raise self._json_error(exc) from None
        except UnicodeDecodeError as exc:
            raise self.source.error(f"invalid UTF-8 (byte 0x{exc.object[exc.start]:02x})",
                                    _UTF8_HINT, *self.where()) from None

    def start(self) -> None:
        event, value = self.next()
        self.begun = True
        if event != "start_map":
            kind = {"start_array": "a list"}.get(event, f"a single {event}")
            raise self.source.error(f"the top level is {kind}, not an object: not a "
                                    "gongkao archive", 'an archive is {"format": '
                                    '"gongkao-archive", ..., "data": {...}}')

    def top_keys(self) -> Iterator[str]:
        while True:
            event, value = self.next()
            if event == "end_map":
                return
            yield value

    def value(self, where: str):
        event, value = self.next()
        try:
            return self.build(event, value, where)
        except _Bad as exc:
            raise self.source.error(exc.message, exc.hint, *self.where()) from None

    def build(self, event: str, value, where: str):
        if event == "start_map":
            obj = {}
            while True:
                event, key = self.next()
                if event == "end_map":
                    return obj
                if key in obj:
                    raise _dup(key, where)
                obj[key] = self.build(*self.next(), where)
        if event == "start_array":
            items = []
            while True:
                event, value = self.next()
                if event == "end_array":
                    return items
                items.append(self.build(event, value, where))
        return value

    def skip_value(self) -> None:
        depth = 0
        while True:
            event, _ = self.next()
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                return

    def items(self) -> Iterator:
        self.start()
        seen: set[str] = set()
        for key in self.top_keys():
            if key in seen:
                raise self.source.error(f'duplicate key "{key}" at the top level',
                                        _dup(key, "").hint)
            seen.add(key)
            if key != "data":
                self.value("the header")
                continue
            yield from self.data()
            self.module = self.index = None
        if "data" not in seen:
            raise self.source.error('the archive has no "data" object')
        try:
            event = next(self.events, None)
        except ijson.JSONError as exc:
            raise self._json_error(exc) from None
        if event is not None:
            raise self.source.error("unexpected content after the end of the archive")

    def data(self) -> Iterator:
        event, _ = self.next()
        if event != "start_map":
            raise self.source.error('"data" must be an object {module: [records]}')
        modules: set[str] = set()
        while True:
            event, key = self.next()
            if event == "end_map":
                return
            if key in modules:
                raise self.source.error(f'duplicate key "{key}" in data', "a module appears once")
            modules.add(key)
            self.module, self.index = key, None
            event, _ = self.next()
            if event != "start_array":
                raise self.source.error("a module must be a list of records", None, key)
            yield _Start(key)
            self.index = 0
            while True:
                event, value = self.next()
                if event == "end_array":
                    break
                try:
                    yield self.build(event, value, "a record")
                except _Bad as exc:
                    raise self.source.error(exc.message, exc.hint, key, self.index) from None
                self.index += 1

    def _truncated(self) -> ArchiveError:
        return self.source.error("the file ends in the middle of the archive", _TRUNCATED_HINT,
                                 *self.where())

    def _json_error(self, exc: Exception) -> ArchiveError:
        # yajl's message: what, then the text around the spot, then a caret under it
        text = str(exc)
        if text.startswith(("b'", 'b"')):  # sometimes handed over as bytes
            text = text[2:-1].replace("\\n", "\n")
        lines = text.splitlines() or [""]
        first = lines[0].strip().rstrip(".")
        where = self.where()
        if "premature EOF" in first:
            return self._truncated()
        if "invalid bytes in UTF8" in first:
            return self.source.error("invalid UTF-8 in a string", _UTF8_HINT, *where)
        if "trailing garbage" in first:
            return self.source.error("unexpected content after the end of the archive")
        if "integer overflow" in first:
            return self.source.error("an integer needs more than 64 bits",
                                     "no database column holds it", *where)
        if len(lines) >= 3 and "^" in lines[2]:
            # a JSON value never starts with N or I: at the caret that means NaN/Infinity
            # (the snippet may end at yajl's buffer end, so the word may be cut short)
            before = lines[1][:lines[2].index("^") + 1].rstrip()
            if re.search(r"(?:^|[\s:,\[])-?[NI][A-Za-z]*$", before):
                return self.source.error("NaN or Infinity is not a JSON number", _NAN_HINT,
                                         *where)
        if not self.begun:
            return self.source.error(f"not a JSON file ({first})",
                                     "an archive is a .json, .json.gz or .xlsx file")
        return self.source.error(f"not valid JSON: {first}", None, *where)


class _SurrogateScan:
    """The file as ijson reads it, checked for lone surrogate escapes on the way.

    yajl replaces a lone ``\\ud800`` with ``?`` without a word, so the escape
    is found here in the raw bytes. A backslash run of odd length before ``u``
    is an escape (an even one is escaped backslashes); a high surrogate must
    be followed at once by a low one, and a low one must follow a high one.
    Each chunk is handed on only up to a cut that splits no escape or pair.
    """

    _ESCAPE = re.compile(rb"\\+u[dD][89a-fA-F][0-9a-fA-F]{2}")

    def __init__(self, f: BinaryIO, source: _Source):
        self.f = f
        self.source = source
        self.carry = b""
        self.consumed = 0  # bytes handed on so far
        self.lines = 0  # newlines handed on so far (to name the line of a problem)

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson asks read(0) to learn whether the file gives bytes
        while True:
            chunk = self.f.read(_CHUNK if size is None or size < 0 else max(size, _CHUNK))
            buf = self.carry + chunk
            if not chunk:  # end of file: check what is left
                cut = self._check(buf, len(buf))
            else:
                cut = max(len(buf) - 16, 0)
                while cut and buf[cut - 1] == 0x5C:  # never split a backslash run
                    cut -= 1
                cut = self._check(buf, cut)
            self.carry = buf[cut:]
            if cut or not chunk:
                out = buf[:cut]
                self.consumed += cut
                self.lines += out.count(b"\n")
                return out

    def _check(self, buf: bytes, cut: int) -> int:
        if b"\\u" not in buf:
            return cut
        expect = None  # where the low half of a pair must start
        for m in self._ESCAPE.finditer(buf):
            if (m.end() - m.start() - 5) % 2 == 0:
                continue  # "\\\\ud800": an escaped backslash and the text "ud800"
            start = m.end() - 6
            if expect is None and start >= cut:
                break
            code = int(m.group()[-4:], 16)
            if expect is not None:
                if start != expect or code < 0xDC00:
                    self._lone(buf, expect - 6)
                expect = None
                cut = max(cut, m.end())  # hand the pair on whole
            elif code < 0xDC00:
                expect = m.end()
            else:
                self._lone(buf, start)
        if expect is not None:
            self._lone(buf, expect - 6)
        return cut

    def _lone(self, buf: bytes, at: int) -> None:
        escape = buf[at:at + 6].decode("ascii")
        line = self.lines + buf.count(b"\n", 0, at) + 1
        raise self.source.error(f"lone surrogate escape {escape} at line {line} "
                                f"(byte {self.consumed + at})", _SURROGATE_HINT)


def _group(items: Iterator) -> ModuleStream:
    """Flat (start, record, record, start, ...) → (module_key, records) pairs.

    Like itertools.groupby: a records iterator left unfinished is drained
    before the next module is handed out.
    """
    state = {"next": next(items, None)}

    def records():
        for item in items:
            if type(item) is _Start:
                state["next"] = item
                return
            yield item
        state["next"] = None

    while state["next"] is not None:
        start = state["next"]
        state["next"] = _Start  # "not yet known": the records iterator sets it
        inner = records()
        yield start.key, inner
        if state["next"] is _Start:
            for _ in inner:
                pass
