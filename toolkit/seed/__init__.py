"""Deterministic demo data for a system at head: ``toolkit seed``.

Each system's generator (``toolkit.seed.<system>.generate(scale)``) yields
:class:`Insert` and :class:`Update` batches in an order that satisfies every
foreign key (parents first; a cycle's nullable side inserted as NULL and set by
a later :class:`Update`). This driver turns them into batched Core statements
in one transaction: never one ORM object per row.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select

from toolkit import sequences
from toolkit.errors import DataError
from toolkit.systems import System


# Every generated timestamp derives from this instant (naive local time, as
# the apps store it), so tests can rely on exact values.
BASE_TIME = datetime(2026, 3, 1, 8, 0, 0)


@dataclass
class Insert:
    table: str
    rows: list[dict]


@dataclass
class Update:
    """Set columns on existing rows; every row dict has ``id`` plus the columns."""

    table: str
    rows: list[dict]


Batch = Insert | Update


def generator(system: System) -> Callable[[int], Iterator[Batch]]:
    return importlib.import_module(system.seed).generate


def seed(conn: Connection, system: System, scale: int = 1, *, allow_non_empty: bool = False,
         progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Fill every module of ``system``; returns rows inserted per module.

    Refuses a database that already holds rows unless ``allow_non_empty``.
    """
    if scale < 1:
        raise DataError(f"--scale must be 1 or more, not {scale}")
    tables = system.metadata.tables
    if not allow_non_empty:
        for m in system.modules:
            if conn.execute(select(func.count()).select_from(tables[m.key])).scalar():
                raise DataError(
                    f"module {m.key} ({m.label}) already has rows; seed fills an empty "
                    "database (pass --force to add to it anyway)")
    counts = {m.key: 0 for m in system.modules}
    for batch in generator(system)(scale):
        table = tables[batch.table]
        if not batch.rows:
            continue
        if isinstance(batch, Insert):
            conn.execute(table.insert(), batch.rows)
            counts[batch.table] += len(batch.rows)
            if progress:
                progress(batch.table, len(batch.rows))
        else:
            cols = [c for c in batch.rows[0] if c != "id"]
            stmt = (table.update().where(table.c.id == bindparam("_id"))
                    .values({c: bindparam(c) for c in cols}))
            conn.execute(stmt, [{"_id": r["id"], **{c: r[c] for c in cols}} for r in batch.rows])
    sequences.advance(conn, (tables[m.key] for m in system.modules))
    return counts
