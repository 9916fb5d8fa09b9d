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


def to_archive(kind: str) -> Converter:
    """Converter from a value as the database driver returns it to the archive value."""
    return _OUT.get(kind)


def from_archive(kind: str) -> Converter:
    """Converter from an archive value to what the database driver accepts."""
    return _IN.get(kind)
