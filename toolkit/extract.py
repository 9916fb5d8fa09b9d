"""Database snapshot → :class:`~toolkit.archive.Archive` (header + record stream).

Everything is driven by the format version's schema (never the head models),
so a database at any paired revision exports the archive of its version.

Order of work, all inside one read-only snapshot (:func:`snapshot`):
``counts`` and ``refs`` are computed first with plain SQL, then each module
is streamed in id order through a server-side cursor. MariaDB allows nothing
else on a connection while a streamed result is open, which is why the
header comes first; the snapshot is why the header still matches the data
when another connection commits in between.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from toolkit import __version__
from toolkit.archive import Archive, Record
from toolkit.errors import DataError, UsageError
from toolkit.schemas import FORMAT, ModuleSpec, VersionSchema
from toolkit.values import stored_text, to_archive

Progress = Callable[[str, int], None]

BATCH_SIZE = 2000
# A natural key nests the natural key of the row it references; deeper than
# this means the catalogue is circular, which a key cannot be.
MAX_KEY_DEPTH = 8
# Columns that tell when a row was written; --since looks at those present.
SINCE_COLUMNS = ("created_at", "updated_at")

_STREAMS = "toolkit.extract.streams"
_SINCE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?)?$")


# ------------------------------------------------------------------ snapshot
@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one consistent, read-only snapshot until it closes.

    PostgreSQL: REPEATABLE READ READ ONLY (the snapshot is fixed by the first
    query). MariaDB/MySQL: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ
    ONLY at REPEATABLE READ. SQLite: the explicit BEGIN that
    :func:`toolkit.config.make_engine` issues (the first read fixes it).
    """
    dialect = engine.dialect.name
    with engine.connect() as conn:
        if dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        elif dialect in ("mysql", "mariadb"):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            if dialect in ("mysql", "mariadb"):
                # PyMySQL opens its transaction implicitly; this statement
                # replaces it with one whose snapshot starts right now.
                conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            streams: list = []
            conn.info[_STREAMS] = streams
            try:
                yield conn
            finally:
                # A writer that failed midway leaves a record stream open;
                # close its cursor now, while the connection still exists.
                for stream in streams:
                    stream.close()
                conn.info.pop(_STREAMS, None)
                tx.rollback()  # read only: nothing to keep


# ------------------------------------------------------------------ scope
def parse_since(text: str | None) -> datetime | None:
    """``YYYY-MM-DD[THH:MM:SS[.ffffff]]`` (or a space for T) as a naive datetime.

    The apps store naive local time, so a timestamp with an offset or Z
    cannot be compared with what is stored and is refused.
    """
    if text is None:
        return None
    text = text.strip()
    if not _SINCE.match(text):
        if re.search(r"(Z|[+-]\d{2}:?\d{2})$", text):
            raise UsageError(f"--since {text!r} has a time zone; stored times are naive local time",
                             hint="give the local time without an offset, e.g. 2026-12-04T15:04:05")
        raise UsageError(f"--since {text!r} is not a timestamp",
                         hint="use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD HH:MM:SS[.ffffff]")
    try:
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError as exc:
        raise UsageError(f"--since {text!r}: {exc}") from exc


def select_modules(schema: VersionSchema, names: list[str] | None) -> list[ModuleSpec]:
    """The modules to export, in load order; an unknown name lists the valid ones."""
    wanted = [n.strip() for n in names or () if n.strip()]
    if not wanted:
        return list(schema.modules)
    unknown = [n for n in wanted if n not in schema.module_keys]
    if unknown:
        valid = ", ".join(f"{m.key} ({m.label})" for m in schema.modules)
        raise UsageError(f"unknown module {', '.join(unknown)} in {schema.system} {schema.version}; "
                         f"valid modules: {valid}")
    return [m for m in schema.modules if m.key in wanted]


# ------------------------------------------------------------------ extract
class _Plan:
    """Which rows of which module the archive carries, as SQL conditions."""

    def __init__(self, schema: VersionSchema, modules: list[ModuleSpec], since: datetime | None):
        self.schema = schema
        self.modules = modules
        self.keys = {m.key for m in modules}
        self.since = since

    def row_filter(self, table: sa.Table):
        """Rows of an exported module that go into the archive (never NULL-valued SQL)."""
        if self.since is None:
            return sa.true()
        cols = [table.c[c] for c in SINCE_COLUMNS if c in table.c]
        if not cols:
            return sa.true()  # nothing tells when such a row changed: carry all of it
        # IS NOT NULL keeps the condition two-valued, so NOT(...) in refs is exact.
        return sa.or_(*(sa.and_(c.isnot(None), c >= self.since) for c in cols))

    def exported(self, key: str, table: sa.Table):
        return self.row_filter(table) if key in self.keys else sa.false()


def extract(conn: Connection, schema: VersionSchema, *, since: datetime | None = None,
            modules: list[str] | None = None, progress: Progress | None = None,
            batch_size: int = BATCH_SIZE, exported_at: str | None = None) -> Archive:
    """The archive of the database behind ``conn`` (opened with :func:`snapshot`).

    ``counts`` and ``refs`` are read now; records stream when the archive's
    modules are iterated, which must happen while ``conn`` is open.
    ``progress(module, rows_so_far)`` is called as each batch is read.
    """
    plan = _Plan(schema, select_modules(schema, modules), since)
    header = {
        "format": FORMAT,
        "system": schema.system,
        "version": schema.version,
        "schema_revision": schema.revision,
        "toolkit_version": __version__,
        "exported_at": exported_at or datetime.now().astimezone().isoformat(timespec="seconds"),
        "scope": {
            "since": since.isoformat() if since else None,
            "modules": [m.key for m in plan.modules],
            "excluded_fields": {m.key: list(m.sensitive) for m in plan.modules if m.sensitive},
        },
        "counts": _counts(conn, plan),
        "refs": _refs(conn, plan),
    }

    def open_modules():
        for m in plan.modules:
            stream = _stream(conn, plan, m, progress, batch_size)
            conn.info.get(_STREAMS, []).append(stream)
            yield m.key, stream

    return Archive(header, open_modules, source=f"{schema.system} database")


def _counts(conn: Connection, plan: _Plan) -> dict[str, int]:
    counts = {}
    for m in plan.modules:
        t = plan.schema.table(m.key)
        counts[m.key] = conn.execute(
            sa.select(sa.func.count()).select_from(t).where(plan.row_filter(t))).scalar_one()
    return counts


def _stream(conn: Connection, plan: _Plan, m: ModuleSpec, progress: Progress | None,
            batch_size: int) -> Iterator[Record]:
    table = plan.schema.table(m.key)
    names = m.exported_fields  # sensitive fields are never even selected
    # columns the engine stores as text are read as text and converted once
    # (see values.stored_text); the others through their SQLAlchemy type
    as_text = {n: c for n in names
               if (c := stored_text(conn.dialect.name, m.fields[n].kind)) is not None}
    # only the columns that need it are converted (the converters pass None through)
    convert = [(n, c) for n in names
               if (c := as_text.get(n) or to_archive(m.fields[n].kind)) is not None]
    floats = [i for i, n in enumerate(names) if m.fields[n].kind == "number"]
    pk = [table.c[c] for c in m.schema["x-module"]["primary_key"]]
    columns = [sa.type_coerce(table.c[n], sa.String).label(n) if n in as_text else table.c[n]
               for n in names]
    stmt = sa.select(*columns).where(plan.row_filter(table)).order_by(*pk)
    if progress:
        progress(m.key, 0)
    done = 0
    streamed = conn.execution_options(stream_results=True, yield_per=batch_size)
    # `with` closes the server-side cursor even when the consumer stops early.
    with streamed.execute(stmt) as result:
        for rows in result.partitions():
            for row in rows:
                for i in floats:
                    v = row[i]
                    if v is not None and not math.isfinite(v):
                        raise DataError(f"{v} is not a number JSON can hold", module=m.key,
                                        record=done, record_id=row[0] if names[0] == "id" else None,
                                        field=names[i])
                rec = dict(zip(names, row))
                for n, c in convert:
                    rec[n] = c(rec[n])
                yield rec
                done += 1
            if progress:
                progress(m.key, done)


# ------------------------------------------------------------------ refs
def _refs(conn: Connection, plan: _Plan) -> dict[str, list[dict]]:
    """Rows that exported records point at but the archive does not carry.

    For each target module: ``id IN (SELECT fk FROM child WHERE <child
    exported>) AND NOT <target exported>`` over every exported child and
    foreign key (trees and the deferred cycle included), with the target's
    natural key; a key field that is a foreign key carries the referenced
    row's natural key instead of its id.
    """
    referrers: dict[str, list] = {}
    for m in plan.modules:
        child = plan.schema.table(m.key)
        for fk, target in m.foreign_keys.items():
            sub = sa.select(child.c[fk]).where(child.c[fk].isnot(None), plan.row_filter(child))
            referrers.setdefault(target, []).append(sub)
    refs = {}
    for spec in plan.schema.modules:  # load order, so refs read parents first
        subs = referrers.get(spec.key)
        if not subs:
            continue
        table = plan.schema.table(spec.key).alias("r0")
        cols, joins, build = _key_columns(plan.schema, spec, table, table, 0, [0])
        where = sa.and_(sa.or_(*(table.c.id.in_(s) for s in subs)),
                        sa.not_(plan.exported(spec.key, table)))
        stmt = sa.select(table.c.id, *cols).select_from(joins).where(where).order_by(table.c.id)
        found = [{"id": row[0], **build(row, 1)} for row in conn.execute(stmt)]
        if found:
            refs[spec.key] = found
    return refs


def _key_columns(schema: VersionSchema, spec: ModuleSpec, table, joined, depth: int,
                 counter: list[int]):
    """Columns, joins and a row → natural-key builder for ``spec``'s key.

    A key field that is a foreign key becomes a LEFT JOIN to the referenced
    table (a flat chain of aliases r1, r2, …) and its natural key, recursively.
    """
    if depth > MAX_KEY_DEPTH:
        raise DataError(f"natural key of {spec.key} nests deeper than {MAX_KEY_DEPTH} levels "
                        "(a key that refers to itself)", module=spec.key)
    cols, parts = [], []
    for name in spec.natural_key:
        target = spec.foreign_keys.get(name)
        if target is None:
            conv = to_archive(spec.fields[name].kind)
            parts.append((name, len(cols), conv, None))
            cols.append(table.c[name])
            continue
        counter[0] += 1
        child = schema.table(target).alias(f"r{counter[0]}")
        joined = joined.outerjoin(child, child.c.id == table.c[name])
        sub_cols, joined, sub_build = _key_columns(schema, schema.module(target), child, joined,
                                                   depth + 1, counter)
        parts.append((name, len(cols), None, (sub_build, len(sub_cols), table.c[name])))
        cols.extend(sub_cols)
        cols.append(table.c[name])  # to tell a dangling key (no such row) from a match

    def build(row, offset: int) -> dict:
        out = {}
        for name, pos, conv, nested in parts:
            if nested is None:
                v = row[offset + pos]
                out[name] = v if conv is None else conv(v)
            else:
                sub_build, width, _ = nested
                out[name] = (sub_build(row, offset + pos)
                             if row[offset + pos + width] is not None else None)
        return out

    return cols, joined, build
