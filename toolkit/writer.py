"""Header + record stream → archive file, atomically.

The layout is the archive envelope of DESIGN.md with one record per line::

    {"format":"gongkao-archive",...,"refs":{...},
    "data":{
    "users":[
    {"id":1,...},
    {"id":2,...}
    ],
    "categories":[]
    }}

It is plain JSON, so any tool reads it, and :mod:`toolkit.reader` reads it
fast: it decodes one line per record instead of parsing token by token.
Records are encoded with orjson (no whitespace, UTF-8 as is, keys in the
record's order), so writing the same archive twice gives the same bytes.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import orjson

from toolkit.archive import Archive
from toolkit.errors import ArchiveError, ToolkitError
from toolkit.schemas import HEADER_FIELDS

_BUFFER = 1 << 20  # one large buffer: a write per record would dominate the cost
_UMASK = os.umask(0o022)  # read once (it can only be read by setting it) and put back
os.umask(_UMASK)


@dataclass
class WriteResult:
    path: str  # the file written, or "-" for stdout
    counts: dict[str, int] = field(default_factory=dict)  # records per module, as written
    bytes: int = 0  # size of the file on disk (compressed for .gz); bytes sent for stdout


def default_path(system: str, version: str, fmt: str = "json", now: datetime | None = None) -> Path:
    """``backups/<system>-<version>-<YYYYmmdd-HHMMSS>.json`` (``.xlsx`` for excel)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    ext = "xlsx" if fmt == "excel" else fmt
    return Path("backups") / f"{system}-{version}-{stamp}.{ext}"


def upgraded_path(path: str | os.PathLike, source: str, target: str) -> Path:
    """Where ``upgrade-archive`` writes by default: beside the input, its version
    replaced (``tiku-1.0-20260101.json`` → ``tiku-1.2-20260101.json``), else
    ``<stem>-<target>.json``."""
    p = Path(path)
    pattern = rf"(?<![0-9.]){re.escape(source)}(?![0-9])"
    name, n = re.subn(pattern, target, p.name, count=1)
    if not n:
        suffixes = "".join(s for s in p.suffixes if s in (".json", ".gz", ".xlsx"))
        stem = p.name[: len(p.name) - len(suffixes)] if suffixes else p.name
        name = f"{stem}-{target}{suffixes}"
    return p.with_name(name)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that appears under ``path`` only if the block succeeds.

    ``-`` is stdout (flushed, not closed). Otherwise the data goes to a temp
    file in the same folder (so the rename cannot cross file systems), which
    is fsynced and renamed onto ``path``; on any exception it is removed, so
    a failed write leaves neither a partial file nor temp litter. A name
    ending ``.gz`` is gzip-compressed with mtime 0 and no file name inside,
    so the same content always gives the same bytes.
    """
    if str(path) == "-":
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    final = Path(path)
    with _os_errors(final):
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would; mkstemp makes it 0600
    try:
        with open(fd, "wb", buffering=_BUFFER) as raw:
            if final.name.endswith(".gz"):
                gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
                # GzipFile compresses each write() on its own: buffer in front of it
                buffered = io.BufferedWriter(gz, _BUFFER)
                try:
                    yield buffered
                finally:
                    buffered.close()  # flushes and writes the gzip trailer; raw stays open
            else:
                yield raw
            with _os_errors(final):
                raw.flush()
                os.fsync(raw.fileno())
        with _os_errors(final):
            os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(final.parent)


@contextlib.contextmanager
def _os_errors(final: Path):
    # only our own file operations: an OSError from the caller's block stays as it is
    try:
        yield
    except OSError as exc:
        raise ToolkitError(f"cannot write the file: {exc.strerror or exc}", file=str(final),
                           hint="check the folder exists or can be created, is writable "
                           "and has free space") from exc


def _fsync_dir(folder: Path) -> None:
    # makes the rename itself durable; not possible on every platform
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_archive(archive: Archive, target: str | os.PathLike) -> WriteResult:
    """Write ``archive`` to ``target`` (a path, ``*.gz``, or ``-``) atomically.

    Records are counted while they are written; if the counts differ from
    ``header["counts"]`` the write fails with :class:`ArchiveError` and no
    file is left (the header promised something the data did not keep).
    """
    header = archive.header
    for key in HEADER_FIELDS:
        if key not in header:
            raise ArchiveError(f'header field "{key}" is missing; an archive needs all of '
                               f'{", ".join(HEADER_FIELDS)}', file=str(target))
    if "data" in header:
        raise ArchiveError('the header must not contain "data"; records come from modules()',
                           file=str(target))
    result = WriteResult(str(target))
    with atomic_output(target) as out:
        result.bytes = _write(out, archive, result.counts, str(target))
        _check_counts(header.get("counts"), result.counts, str(target))
    if str(target) != "-":
        result.bytes = os.path.getsize(target)
    return result


def _write(out: BinaryIO, archive: Archive, counts: dict[str, int], target: str) -> int:
    """Write the envelope; fill ``counts``; return the number of bytes written."""
    header = archive.header
    keys = [k for k in HEADER_FIELDS] + [k for k in header if k not in HEADER_FIELDS]
    parts = [_encode(k) + b":" + _encode_value(header[k], target, None, None) for k in keys]
    chunk = b"{" + b",".join(parts) + b',\n"data":{'
    out.write(chunk)
    size = len(chunk)
    first_module = True
    for key, records in archive.modules():
        if key in counts:
            raise ArchiveError(f'module "{key}" comes twice in the data', file=target, module=key)
        chunk = (b"\n" if first_module else b",\n") + _encode(key) + b":["
        out.write(chunk)
        size += len(chunk)
        first_module = False
        n = 0
        encode = orjson.dumps
        write = out.write
        for record in records:
            try:
                line = encode(record)
            except orjson.JSONEncodeError:
                line = _encode_value(record, target, key, n)
            piece = (b",\n" if n else b"\n") + line
            write(piece)
            size += len(piece)
            n += 1
        out.write(b"\n]" if n else b"]")
        size += 2 if n else 1
        counts[key] = n
    out.write(b"\n}}\n")
    return size + 4


def _encode(key: str) -> bytes:
    return orjson.dumps(key)


def _encode_value(value, target: str, module: str | None, index: int | None) -> bytes:
    """orjson, or the stdlib for what orjson refuses but JSON allows (integers past 64 bits)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        what = "a record" if module else "the header"
        raise ArchiveError(f"cannot write {what} as JSON: {exc}", file=target, module=module,
                           record=index, hint="records must hold JSON-native values only "
                           "(no NaN/Infinity, no lone surrogates)") from exc


def _check_counts(expected, written: dict[str, int], target: str) -> None:
    expected = expected if isinstance(expected, dict) else {}
    for key in list(expected) + [k for k in written if k not in expected]:
        if expected.get(key) != written.get(key):
            said = expected.get(key, "nothing")
            got = written.get(key)
            got_text = "the module is absent from the data" if got is None else f"{got} written"
            raise ArchiveError(f'counts.{key} says {said} but {got_text}', file=target,
                               module=key, hint="counts must be computed in the same snapshot "
                               "as the data; nothing was written")
