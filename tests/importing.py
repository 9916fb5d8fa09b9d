"""Helpers for the import tests: dump tables, export in memory, load.

"Unchanged" is proven by dumping every table (all columns, secrets included)
before and after and comparing the dumps.
"""
from __future__ import annotations

import sqlalchemy as sa

from tests.databases import PROJECT
from toolkit import config as tk_config
from toolkit import migrate, versions
from toolkit.archive import Archive
from toolkit.extract import extract, snapshot
from toolkit.load import load


def schema_of(url: str, system: str):
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            return versions.for_revision(system, migrate.current_revision(conn), PROJECT)
    finally:
        engine.dispose()


def dump(url: str, system: str) -> dict[str, list[tuple]]:
    """Every row of every table of the system, all columns, in id order."""
    schema = schema_of(url, system)
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for key in schema.module_keys:
                table = schema.table(key)
                out[key] = [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]
            return out
    finally:
        engine.dispose()


def exported(url: str, system: str, **kw) -> tuple[dict, dict[str, list[dict]]]:
    """(header, data) of the database, in memory; ``exported_at`` fixed for comparisons."""
    schema = schema_of(url, system)
    engine = tk_config.make_engine(url)
    try:
        with snapshot(engine) as conn:
            archive = extract(conn, schema, exported_at="2026-01-01T00:00:00+08:00", **kw)
            return archive.to_data()
    finally:
        engine.dispose()


def archive_of(header: dict, data: dict, source: str = "<memory>") -> Archive:
    return Archive.from_data(header, {k: [dict(r) for r in v] for k, v in data.items()}, source)


def load_into(url: str, system: str, archive: Archive, *, commit: bool = True, **kw):
    """Run the loader in one transaction (committed unless ``commit`` is false)."""
    schema = schema_of(url, system)
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                report = load(conn, archive, schema, **kw)
            except BaseException:
                tx.rollback()
                raise
            if commit:
                tx.commit()
            else:
                tx.rollback()
            return report
    finally:
        engine.dispose()


def export_file(url: str, system: str, path, **kw) -> None:
    """Write the database's archive to ``path`` (JSON, gzip for ``*.gz``, Excel for ``*.xlsx``)."""
    from toolkit.excel import write_workbook
    from toolkit.writer import write_archive

    schema = schema_of(url, system)
    engine = tk_config.make_engine(url)
    try:
        with snapshot(engine) as conn:
            archive = extract(conn, schema, **kw)
            if str(path).endswith(".xlsx"):
                write_workbook(archive, path, schema=schema)
            else:
                write_archive(archive, path)
    finally:
        engine.dispose()


def resolved(url: str, system: str) -> dict[str, dict[tuple, dict]]:
    """Every row by natural key, its foreign keys replaced by the target's natural key.

    Two databases agree on this exactly when every row and every reference
    agrees, whatever ids each one gave its rows.
    """
    _, data = exported(url, system)
    schema = schema_of(url, system)
    keys: dict[str, dict[int, tuple]] = {}

    def nk(spec, rec):
        return tuple(keys[spec.foreign_keys[f]][rec[f]] if f in spec.foreign_keys else rec[f]
                     for f in spec.natural_key)

    for spec in schema.modules:  # parents first: their keys are known
        keys[spec.key] = {r["id"]: nk(spec, r) for r in data.get(spec.key, [])}
    out = {}
    for spec in schema.modules:
        rows = {}
        for r in data.get(spec.key, []):
            row = {f: (keys[t][r[f]] if r[f] is not None else None) if (t := spec.foreign_keys.get(f))
                   else r[f] for f in r if f != "id"}
            rows[nk(spec, r)] = row
        out[spec.key] = rows
    return out
