"""Database values ⇄ archive values (JSON-native), one converter per kind.

Records in every stage are dicts of JSON-native values: integers, strings,
booleans, null, JSON values. Datetimes are ISO 8601 exactly as stored (naive,
microseconds kept when present), dates ``YYYY-MM-DD``, Decimals strings,
binary base64. ``None`` from a converter factory means "identity" so hot loops
skip the call.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

Converter = Callable[[object], object] | None


def _dt_out(v):
    return v.isoformat() if v is not None else None


def _dec_out(v):
    return format(v, "f") if v is not None else None


def _bin_out(v):
    return base64.b64encode(v).decode("ascii") if v is not None else None


def _bool_out(v):
    return bool(v) if v is not None else None


def _dt_in(v):
    return datetime.fromisoformat(v) if v is not None else None


def _date_in(v):
    return date.fromisoformat(v) if v is not None else None


def _dec_in(v):
    return Decimal(v) if v is not None else None


def _bin_in(v):
    return base64.b64decode(v, validate=True) if v is not None else None


_OUT: dict[str, Converter] = {
    "datetime": _dt_out, "date": _dt_out, "decimal": _dec_out, "binary": _bin_out,
    "boolean": _bool_out,
}
_IN: dict[str, Converter] = {
    "datetime": _dt_in, "date": _date_in, "decimal": _dec_in, "binary": _bin_in,
}


def _sqlite_dt_out(v):
    # SQLAlchemy stores SQLite datetimes as text 'YYYY-MM-DD HH:MM:SS.ffffff';
    # slicing that is several times cheaper than parsing it into a datetime
    # only to format it again, and gives exactly datetime.isoformat().
    if v is None:
        return None
    if len(v) == 26 and v[10] == " " and v[19] == ".":
        frac = v[20:]
        return f"{v[:10]}T{v[11:19]}" if frac == "000000" else f"{v[:10]}T{v[11:19]}.{frac}"
    return datetime.fromisoformat(v).isoformat()  # written by another tool


def stored_text(dialect: str, kind: str) -> Converter | None:
    """For kinds an engine stores as text, the converter from that text (read
    without SQLAlchemy's type processing) to the archive value; else None."""
    if dialect == "sqlite" and kind == "datetime":
        return _sqlite_dt_out
    return None


def to_archive(kind: str) -> Converter:
    """Converter from a value as the database driver returns it to the archive value."""
    return _OUT.get(kind)


def from_archive(kind: str) -> Converter:
    """Converter from an archive value to what the database driver accepts."""
    return _IN.get(kind)
