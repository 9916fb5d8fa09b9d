"""Counters past the highest id after rows were inserted with explicit ids.

PostgreSQL sequences do not follow explicit ids; MariaDB's AUTO_INCREMENT
and SQLite's rowid do by themselves. Call right before commit, never in a
dry run (a sequence cannot be rolled back).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, text


def advance(conn: Connection, tables: Iterable[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement:
            continue
        name, col = table.name, pk[0].name
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), "
            f"COALESCE((SELECT MAX({col}) FROM {name}), 0) + 1, false)"),
            {"t": name, "c": col})
