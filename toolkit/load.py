"""Record stream → database: order, conflicts, ids, batches.

:func:`load` puts an :class:`~toolkit.archive.Archive` that is already at the
database's format version into the database behind ``conn``, inside the
caller's transaction (it never commits). Per module, in load order, batches
of records go through the same few steps:

1. foreign keys are rewritten through the :class:`~toolkit.idmap.IdMap`
   (parents were loaded, or resolved through ``refs``, before);
2. existing rows are looked up by natural key, one query per batch;
3. the conflict policy decides: ``error`` counts and remembers the conflict
   (the whole archive is still walked so the report shows every count),
   ``skip`` maps the archive id to the existing row, ``overwrite`` updates it
   with every archive field (only rows whose values differ are written);
4. new rows keep their archive id when it is free, else take one past the
   highest id; one ``executemany`` inserts the batch.

A tree's parent that is not mapped yet and the deferred side of a cycle are
written as NULL and filled in once their targets are loaded (end of module,
end of load). On SQLite a ``PRAGMA foreign_key_check`` runs at the end.
"""
from __future__ import annotations

import json
import secrets
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from toolkit.archive import Archive
from toolkit.errors import ArchiveError, DataError
from toolkit.idmap import IdMap
from toolkit.report import Conflict, ImportReport, ModuleReport
from toolkit.schemas import ModuleSpec, VersionSchema
from toolkit.values import from_archive

POLICIES = ("error", "skip", "overwrite")
BATCH_SIZE = 1000
MAX_CONFLICTS = 10  # named in the error and the report

Progress = Callable[[str, int, "int | None"], None]  # module, records done, records expected


def unusable_password() -> str:
    """A value no password check accepts ("!" is never a hash prefix), unique per account."""
    return "!" + secrets.token_urlsafe(24)


def load(conn: Connection, archive: Archive, schema: VersionSchema, *, conflict: str = "error",
         replace: bool = False, report: ImportReport | None = None,
         progress: Progress | None = None, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Load ``archive`` (at ``schema``'s version) through ``conn``; the caller commits.

    Raises :class:`DataError` for conflicts (policy ``error``), dangling or
    unresolvable references and rows the database refuses, naming file,
    module, record, field and reason. Returns the report, filled in.
    """
    if conflict not in POLICIES:
        raise ValueError(f"conflict must be one of {POLICIES}, not {conflict!r}")
    report = report or ImportReport(schema.system, archive.source, "", schema.version,
                                    schema.version, conflict=conflict, replace=replace)
    loader = _Loader(conn, schema, archive, conflict, report, progress, batch_size)
    if replace:
        loader.empty(_scope_modules(archive.header, schema))
    loader.run()
    return report


def _scope_modules(header: dict, schema: VersionSchema) -> list[str]:
    scope = (header.get("scope") or {}).get("modules")
    keys = scope or list(header.get("counts") or {}) or schema.module_keys
    return [k for k in schema.module_keys if k in keys]


@dataclass
class _Pending:
    """References written as NULL for now: (record index, archive id, target archive id)."""

    target: str
    index: array = field(default_factory=lambda: array("q"))
    row: array = field(default_factory=lambda: array("q"))
    value: array = field(default_factory=lambda: array("q"))

    def add(self, index: int, row: int, value: int) -> None:
        self.index.append(index)
        self.row.append(row)
        self.value.append(value)


class _Loader:
    def __init__(self, conn, schema, archive, conflict, report, progress, batch_size):
        self.conn = conn
        self.schema = schema
        self.archive = archive
        self.file = archive.source
        self.conflict = conflict
        self.report = report
        self.progress = progress
        self.batch_size = batch_size
        self.ids = IdMap()
        self.refs = archive.header.get("refs") or {}
        self.counts = archive.header.get("counts") or {}
        # (module, field) → rows whose reference is filled in later
        self.deferred: dict[tuple[str, str], _Pending] = {}
        self.high: dict[str, int] = {}  # highest id in a table, once a new id was needed
        self.fresh = False  # the module being loaded had an empty table (see load_module)
        self.plans: dict[str, list[tuple]] = {}  # per module: how convert() treats each field
        if not report.modules:
            report.modules = [ModuleReport(m.key, m.label) for m in schema.modules]

    # ------------------------------------------------------------ the pass
    def run(self) -> None:
        order = self.schema.module_keys
        done = 0  # modules of the schema handled (refs resolved), in load order
        for key, records in self.archive.modules():
            if key not in order:
                raise ArchiveError(f"unknown module {key} in format {self.schema.version}",
                                   file=self.file, module=key)
            pos = order.index(key)
            if pos < done:
                raise ArchiveError(f"module {key} comes after modules that depend on it "
                                   f"(expected order: {', '.join(order)})",
                                   file=self.file, module=key)
            for spec in self.schema.modules[done:pos + 1]:
                self.resolve_refs(spec)
            done = pos + 1
            self.load_module(self.schema.module(key), records)
        for spec in self.schema.modules[done:]:
            self.resolve_refs(spec)
        self.fill_deferred()
        self.check_foreign_keys()
        if self.report.conflicts:
            first = self.report.conflicts[0]
            n = self.report.total("conflicting")
            raise DataError(
                f"{n} record{'s' if n > 1 else ''} conflict with existing rows; first: "
                f"{_key_text(first.key)} already exists",
                file=self.file, module=first.module, record=first.record,
                record_id=first.record_id,
                hint="choose --conflict skip (keep existing rows) or --conflict overwrite")

    def load_module(self, spec: ModuleSpec, records: Iterator[dict]) -> None:
        mod = self.report.module(spec.key)
        table = self.schema.table(spec.key)
        expected = self.counts.get(spec.key)
        trees = {f: _Pending(spec.key) for f, t in spec.foreign_keys.items()
                 if t == spec.key and f not in spec.deferred}
        if self.progress:
            self.progress(spec.key, 0, expected)
        # A table empty before its module loads can hold no conflict and no taken
        # id: only this import writes it, and validation refused duplicate keys
        # and ids. A restore then skips every lookup (the fast path of a restore).
        self.fresh = self.conn.execute(sa.select(table.c.id).limit(1)).first() is None
        batch: list[tuple[int, dict]] = []
        for index, record in enumerate(records):
            batch.append((index, record))
            if len(batch) >= self.batch_size:
                self.load_batch(spec, table, mod, batch, trees)
                batch = []
                if self.progress:
                    self.progress(spec.key, mod.archived, expected)
        if batch:
            self.load_batch(spec, table, mod, batch, trees)
        for name, pending in trees.items():
            self.fill(spec, table, name, pending)
        if self.progress:
            self.progress(spec.key, mod.archived, expected)

    # ------------------------------------------------------------ one batch
    def load_batch(self, spec, table, mod, batch, trees) -> None:
        mod.archived += len(batch)
        later = {**trees, **{f: None for f in spec.deferred}}  # filled in after the batch
        rows = [self.convert(spec, index, rec, later) for index, rec in batch]
        existing = {} if self.fresh else self.find(spec, table, [_key(spec, r) for r in rows],
                                                   full=True)
        new, update = [], []
        for (index, rec), row in zip(batch, rows):
            found = existing.get(_key(spec, row))
            if found is None:
                new.append((index, rec, row))
                continue
            self.ids.put(spec.key, rec["id"], found["id"])
            if self.conflict == "skip":
                mod.skipped += 1
            elif self.conflict == "error":
                mod.conflicting += 1
                if len(self.report.conflicts) < MAX_CONFLICTS:
                    key = {f: rec.get(f) for f in spec.natural_key}
                    self.report.conflicts.append(Conflict(spec.key, index, rec["id"], key))
            else:
                row["id"] = found["id"]  # the row it overwrites, whatever the archive called it
                update.append((index, rec, row, found))
        self.assign_ids(spec, table, new)
        # a parent in this very batch is written in the same statement: MariaDB
        # and SQLite check each row as it goes in, so it is filled in later
        here = {rec["id"] for _, rec in batch}
        for index, rec, row in new:
            self.complete(spec, index, rec, row, later, trees, here, existing=None)
        for index, rec, row, found in update:
            self.complete(spec, index, rec, row, later, trees, here, existing=found)
        if new:
            mod.inserted += len(new)
            self.write(spec, _insert(spec, table), [r for _, _, r in new],
                       [(i, rec["id"]) for i, rec, _ in new],
                       into=table)
        changed = [(i, rec, r) for i, rec, r, found in update if _differs(r, found)]
        mod.updated += len(changed)
        mod.unchanged += len(update) - len(changed)
        if changed:
            cols = [c for c in table.c.keys() if c != "id"]
            stmt = (table.update().where(table.c.id == sa.bindparam("_id"))
                    .values({c: _bind(table, spec, c, f"_{c}") for c in cols}))
            params = [{"_id": r["id"], **{f"_{c}": r[c] for c in cols}} for _, _, r in changed]
            self.write(spec, stmt, params, [(i, rec["id"]) for i, rec, _ in changed])

    def convert(self, spec: ModuleSpec, index: int, rec: dict, later: dict) -> dict:
        """Archive record → row of database values, parents' ids mapped."""
        plan = self.plans.get(spec.key)
        if plan is None:  # per module, once: the hot loop below only looks things up
            plan = self.plans[spec.key] = [
                (name, f.kind, None if f.references else _converter(f.kind),
                 f.references if name not in later else None, name in later)
                for name, f in spec.fields.items()]
        get_id = self.ids.get
        row = {}
        for name, kind, conv, target, is_later in plan:
            if name not in rec:
                continue  # a sensitive field left out at export: decided in complete()
            value = rec[name]
            if value is not None and not is_later:
                if target is not None:
                    mapped = get_id(target, value)
                    value = mapped if mapped is not None else self.map_ref(
                        spec, index, rec, name, target, value)
                elif conv is not None:
                    try:
                        value = conv(value)
                    except (TypeError, ValueError) as exc:
                        raise ArchiveError(f"cannot read {value!r} as {kind}: {exc}",
                                           file=self.file, module=spec.key, record=index,
                                           record_id=rec.get("id"), field=name) from exc
            row[name] = value
        return row

    def complete(self, spec, index, rec, row, later, trees, here, existing) -> None:
        """Fill in what depends on ids: trees, the cycle, secrets."""
        for name in later:
            value = rec.get(name)
            if value is None:
                continue
            target = spec.foreign_keys[name]
            mapped = self.ids.get(target, value) if name in trees and value not in here else None
            if mapped is not None:
                row[name] = mapped
                continue
            # written as it is now (NULL, or the existing row's value) and filled in later
            row[name] = existing[name] if existing is not None else None
            pending = trees.get(name) or self.deferred.setdefault(
                (spec.key, name), _Pending(target))
            pending.add(index, rec["id"], value)
        for name in spec.sensitive:
            if name in rec:
                continue
            if existing is not None:  # never overwrite a secret the archive does not carry
                row[name] = existing[name]
            elif not spec.fields[name].nullable:
                row[name] = unusable_password()
                self.report.password_resets.append(
                    "/".join(str(rec.get(k)) for k in spec.natural_key))
            else:
                row[name] = None

    def map_ref(self, spec, index, rec, name, target, value) -> int:
        mapped = self.ids.get(target, value)
        if mapped is not None:
            return mapped
        missing = self.ids.missing(target, value)
        if missing is not None:
            raise DataError(f"refers to {target} {_key_text(missing)} (refs id {value}), "
                            f"which is not in the database", file=self.file, module=spec.key,
                            record=index, record_id=rec.get("id"), field=name,
                            hint=f"import the {target} rows first or export a full archive")
        raise DataError(f"refers to {target} id {value}, which is neither in the archive "
                        f"nor in refs.{target}", file=self.file, module=spec.key, record=index,
                        record_id=rec.get("id"), field=name)

    # ------------------------------------------------------------ ids
    def assign_ids(self, spec, table, new) -> None:
        """New rows keep their archive id when free, else take one past the highest."""
        if not new:
            return
        wanted = [row["id"] for _, _, row in new]
        taken = set()
        for chunk in _chunks(wanted, self.batch_size) if not self.fresh else ():
            taken.update(self.conn.execute(
                sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
        kept = [i for i in wanted if i not in taken]
        if taken:
            if spec.key not in self.high:
                self.high[spec.key] = self.conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
            high = max(self.high[spec.key], *kept) if kept else self.high[spec.key]
        for _, rec, row in new:
            if row["id"] in taken:
                high += 1
                row["id"] = high
            self.ids.put(spec.key, rec["id"], row["id"])
        if spec.key in self.high:
            self.high[spec.key] = max(self.high[spec.key], *(r["id"] for _, _, r in new))

    # ------------------------------------------------------------ natural keys
    def find(self, spec, table, keys: list[tuple], full: bool = False) -> dict[tuple, object]:
        """Existing rows by natural key: one query per chunk, never per row."""
        keys = list(dict.fromkeys(k for k in keys if None not in k))
        if not keys or not spec.natural_key:
            return {}
        cols = [table.c[c] for c in spec.natural_key]
        out = {}
        wanted = set(keys)
        for chunk in _chunks(keys, self.batch_size):
            # The first key column alone: every engine uses the unique index's
            # prefix for it, while a row-value IN makes SQLite scan the table.
            # Rows with another second part are dropped here.
            cond = cols[0].in_(list(dict.fromkeys(k[0] for k in chunk)))
            stmt = sa.select(table) if full else sa.select(table.c.id, *cols)
            for row in self.conn.execute(stmt.where(cond)):
                m = row._mapping  # by name: a column may be called "count" or "index"
                key = tuple(m[c] for c in spec.natural_key)
                if key in wanted:
                    out[key] = m
        return out

    def resolve_refs(self, spec: ModuleSpec) -> None:
        """Map ``refs.<module>`` ids to rows found by natural key in the database."""
        entries = self.refs.get(spec.key)
        if not entries:
            return
        ids = self.ids.module(spec.key)
        for chunk in _chunks(entries, self.batch_size):
            found = self.ids_by_key(spec, chunk)
            for entry, db_id in zip(chunk, found):
                if db_id is None:
                    ids.missing[entry["id"]] = {k: v for k, v in entry.items() if k != "id"}
                elif ids.get(entry["id"]) is None:  # a record of the archive wins over a ref
                    ids.put(entry["id"], db_id)

    def ids_by_key(self, spec: ModuleSpec, keys: list[dict]) -> list[int | None]:
        """Database ids of rows given by natural key (FK parts nested, as in ``refs``)."""
        columns = []
        for name in spec.natural_key:
            target = spec.foreign_keys.get(name)
            values = [k.get(name) if isinstance(k, dict) else None for k in keys]
            if target is not None:
                nested = [v if isinstance(v, dict) else None for v in values]
                columns.append(self.ids_by_key(self.schema.module(target), nested))
            else:
                conv = _converter(spec.fields[name].kind)
                columns.append([conv(v) if conv and v is not None else v for v in values])
        tuples = [tuple(t) if k is not None else (None,) for k, t in zip(keys, zip(*columns))]
        found = self.find(spec, self.schema.table(spec.key), tuples)
        return [found[t]["id"] if t in found else None for t in tuples]

    # ------------------------------------------------------------ filling in
    def fill(self, spec, table, name, pending: _Pending) -> None:
        """Set references that were written as NULL, now that their targets have ids."""
        if not pending.row:
            return
        params, indexes = [], []
        for index, row, value in zip(pending.index, pending.row, pending.value):
            mapped = self.ids.get(pending.target, value)
            if mapped is None:
                rec = {"id": row}
                self.map_ref(spec, index, rec, name, pending.target, value)  # raises
            params.append({"_id": self.ids.get(spec.key, row), "_v": mapped})
            indexes.append((index, row))
        stmt = (table.update().where(table.c.id == sa.bindparam("_id"))
                .values({name: sa.bindparam("_v")}))
        for chunk, idx in zip(_chunks(params, self.batch_size), _chunks(indexes, self.batch_size)):
            self.write(spec, stmt, chunk, idx)

    def fill_deferred(self) -> None:
        for (key, name), pending in self.deferred.items():
            self.fill(self.schema.module(key), self.schema.table(key), name, pending)

    def check_foreign_keys(self) -> None:
        """SQLite checks nothing at commit; ask it before committing."""
        if self.conn.dialect.name != "sqlite":
            return
        for table, rowid, parent, _ in self.conn.exec_driver_sql("PRAGMA foreign_key_check"):
            raise DataError(f"row {rowid} refers to a missing {parent} row",
                            file=self.file, module=table, record_id=rowid)

    # ------------------------------------------------------------ writing
    def write(self, spec, stmt, rows: list[dict], where: list[tuple[int, int]],
              into: sa.Table | None = None) -> None:
        """Execute ``stmt`` for ``rows`` at once; if the database refuses, name the record.

        ``where`` holds each row's (record index, archive id) for the message.
        ``into``: ``stmt`` inserts ``rows`` into this table, so a bulk path may
        do it instead: COPY into a PostgreSQL table that was empty, the driver's
        executemany on SQLite. A refusal is replayed with ``stmt`` to find the record.
        """
        dialect = self.conn.dialect.name
        try:
            with self.conn.begin_nested():
                if into is not None and dialect == "postgresql" and self.fresh:
                    self.copy(into, rows)
                elif into is not None and dialect == "sqlite":
                    self.executemany(into, rows)
                else:
                    self.conn.execute(stmt, rows)
        except (DBAPIError, self.conn.dialect.dbapi.Error) as exc:
            (index, rid), cause = self.culprit(stmt, rows, where, exc)
            raise DataError(f"the database refused the record: {_one_line(cause)}",
                            file=self.file, module=spec.key, record=index,
                            record_id=rid) from exc

    def copy(self, table: sa.Table, rows: list[dict]) -> None:
        """COPY ``rows`` into ``table`` on the transaction's own psycopg connection."""
        cols = [c.name for c in table.columns if c.name in rows[0]]
        as_json = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
        quote = self.conn.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in cols)}) FROM STDIN"
        with self.conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([orjson.dumps(row[c]).decode() if c in as_json and row[c] is not None
                                else row[c] for c in cols])

    def executemany(self, table: sa.Table, rows: list[dict]) -> None:
        """The driver's executemany with SQLAlchemy's own value processing per
        column, without its per-row parameter machinery (a third of a restore)."""
        dialect = self.conn.dialect
        cols = [c for c in table.c.keys() if c in rows[0]]
        procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
        quote = dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
               f"VALUES ({', '.join('?' * len(cols))})")
        self.conn.exec_driver_sql(sql, [
            tuple([v if p is None or v is None else p(v) for p, v in zip(procs, map(row.get, cols))])
            for row in rows])

    def culprit(self, stmt, rows, where, exc):
        """Replay a refused batch row by row (each in a savepoint) to find the record."""
        for row, place in zip(rows, where):
            try:
                with self.conn.begin_nested():
                    self.conn.execute(stmt, [row])
            except DBAPIError as one:
                return place, one
        return (None, None), exc

    # ------------------------------------------------------------ --replace
    def empty(self, keys: list[str]) -> None:
        """Delete the rows of ``keys``, children first, in this transaction.

        References that could block the order (the cycle's deferred side, a
        tree's parent: MariaDB checks each row as it is deleted) are set to
        NULL first.
        """
        specs = [self.schema.module(k) for k in keys]
        for spec in specs:
            table = self.schema.table(spec.key)
            nulls = [f for f, t in spec.foreign_keys.items()
                     if (f in spec.deferred or t == spec.key) and spec.fields[f].nullable]
            if nulls:
                self.conn.execute(table.update().values({f: None for f in nulls}))
        for spec in reversed(specs):
            table = self.schema.table(spec.key)
            try:
                with self.conn.begin_nested():
                    deleted = self.conn.execute(table.delete()).rowcount
            except DBAPIError as exc:
                raise DataError(f"cannot empty {spec.key} for --replace: rows of modules the "
                                f"archive does not carry refer to it ({_one_line(exc)})",
                                file=self.file, module=spec.key) from exc
            self.report.module(spec.key).deleted = deleted


# ------------------------------------------------------------------ helpers
def _bind(table: sa.Table, spec: ModuleSpec, column: str, name: str):
    """A bound parameter for ``column``; enum values go untyped.

    The schema's tables know an enum only as a string, but PostgreSQL columns
    are of a named enum type: a parameter cast to VARCHAR is refused there,
    while an untyped one is read as the column's type.
    """
    if spec.fields[column].kind == "enum":
        return sa.bindparam(name, type_=_Untyped())
    return sa.bindparam(name, type_=table.c[column].type)


class _Untyped(sa.types.UserDefinedType):
    """A string parameter rendered without a cast (NullType would take the column's type)."""

    cache_ok = True

    def get_col_spec(self, **kw):
        return "VARCHAR"


def _insert(spec: ModuleSpec, table: sa.Table):
    if not any(f.kind == "enum" for f in spec.fields.values()):
        return table.insert()
    return table.insert().values({c: _bind(table, spec, c, c) for c in table.c.keys()})


def _key(spec: ModuleSpec, row: dict) -> tuple:
    return tuple(row.get(f) for f in spec.natural_key)


def _differs(row: dict, existing) -> bool:
    return any(existing[c] != v for c, v in row.items())


_CONVERTERS = {}


def _converter(kind: str):
    if kind not in _CONVERTERS:
        _CONVERTERS[kind] = from_archive(kind)
    return _CONVERTERS[kind]


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _key_text(key: dict) -> str:
    return json.dumps(key, ensure_ascii=False, default=str)


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
