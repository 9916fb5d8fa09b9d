"""``toolkit db adopt``: put a database made before the toolkit under its revisions.

The apps created their tables themselves (``db.create_all()`` or their own
Flask-Migrate history), so the database has no revision of ours, or a foreign
one. The live schema is reflected and compared with every format version's
schema: tables, columns, nullability and roughly the kind of each column
(integer, string, text, datetime, …; lengths and engine spellings are not
compared). Exactly one match → that version's revision is stamped, replacing
a foreign ``alembic_version`` row. Otherwise nothing changes and the
differences against the closest version are reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from toolkit import config as tk_config
from toolkit import migrate, versions
from toolkit.errors import DatabaseError
from toolkit.schemas import VersionSchema

# Which reflected column kinds satisfy a schema kind. Engines spell types
# differently: MariaDB reflects JSON as LONGTEXT and Boolean as TINYINT,
# SQLite an enum as VARCHAR.
_ACCEPTS = {
    "integer": {"integer"},
    "boolean": {"boolean", "integer"},
    "string": {"string"},
    "text": {"text"},
    "enum": {"enum", "string"},
    "decimal": {"decimal"},
    "number": {"number", "decimal"},
    "datetime": {"datetime"},
    "date": {"date"},
    "json": {"json", "text"},
    "binary": {"binary"},
}
_IGNORED_TABLES = {"alembic_version"}


def _kind(t: sa.types.TypeEngine) -> str:
    """The rough kind of a reflected column type (order matters: subclasses first)."""
    if getattr(t, "__visit_name__", "").lower().endswith("text"):
        return "text"  # MariaDB's TEXT/LONGTEXT are String subclasses, not Text
    for cls, kind in ((sa.Boolean, "boolean"), (sa.Enum, "enum"), (sa.Integer, "integer"),
                      (sa.Float, "number"), (sa.Numeric, "decimal"), (sa.DateTime, "datetime"),
                      (sa.Date, "date"), (sa.JSON, "json"), (sa.LargeBinary, "binary"),
                      (sa.Text, "text"), (sa.String, "string")):
        if isinstance(t, cls):
            return kind
    return type(t).__name__.lower()


@dataclass(frozen=True)
class LiveColumn:
    kind: str
    nullable: bool


def reflect(conn: sa.Connection) -> dict[str, dict[str, LiveColumn]]:
    """Tables → columns → (kind, nullable) of the live database."""
    insp = sa.inspect(conn)
    return {t: {c["name"]: LiveColumn(_kind(c["type"]), bool(c["nullable"]))
                for c in insp.get_columns(t)}
            for t in insp.get_table_names() if t not in _IGNORED_TABLES}


def differences(live: dict[str, dict[str, LiveColumn]], schema: VersionSchema) -> list[str]:
    """One line per way the live database differs from ``schema`` (empty: it matches)."""
    v = schema.version
    out = []
    wanted = {m.key: m for m in schema.modules}
    for key, m in wanted.items():
        if key not in live:
            out.append(f"table {key} ({m.label}) is missing")
            continue
        cols = live[key]
        for name, f in m.fields.items():
            c = cols.get(name)
            if c is None:
                out.append(f"column {key}.{name} is missing")
                continue
            if c.kind not in _ACCEPTS.get(f.kind, {f.kind}):
                out.append(f"column {key}.{name} is {c.kind}, format {v} has {f.kind}")
            # a JSON field's schema cannot say NOT NULL (JSON null is a value), so skip it
            if f.kind != "json" and c.nullable != f.nullable:
                out.append(f"column {key}.{name} is {'NULL' if c.nullable else 'NOT NULL'}, "
                           f"format {v} has {'NULL' if f.nullable else 'NOT NULL'}")
        for name in cols:
            if name not in m.fields:
                out.append(f"column {key}.{name} is not in format {v}")
    for key in live:
        if key not in wanted:
            out.append(f"table {key} is not in format {v}")
    return out


@dataclass(frozen=True)
class Adopted:
    system: str
    version: str
    revision: str
    previous: str | None  # the revision found in alembic_version before (foreign or ours)


class NoMatchError(DatabaseError):
    """The live schema matches no format version; carries the differences."""

    def __init__(self, system: str, closest: VersionSchema, diffs: list[str]):
        lines = "".join(f"\n  {d}" for d in diffs)
        super().__init__(
            f"the {system} database matches no format version; nothing was changed. "
            f"Closest is {closest.version} ({closest.revision}), which differs in "
            f"{len(diffs)} place(s):{lines}")
        self.closest = closest
        self.differences = diffs


def adopt(system: str, url: str | None = None,
          project: tk_config.Project | None = None) -> Adopted:
    """Stamp the one format version whose schema the live database matches."""
    tk_config.get_system(system)
    chain = versions.chain(system, project)
    if not chain:
        raise DatabaseError(f"{system} has no format versions to compare with")
    url = tk_config.resolve_url(system, url, project)
    engine = tk_config.make_engine(url, system=system)
    try:
        with engine.connect() as conn:
            live = reflect(conn)
            previous = _foreign_revision(conn)
    finally:
        engine.dispose()

    found = [(s, differences(live, s)) for s in chain]
    matches = [s for s, d in found if not d]
    if len(matches) > 1:
        raise DatabaseError(f"the {system} database matches several format versions "
                            f"({', '.join(s.version for s in matches)})",
                            hint="stamp the right one with `toolkit db stamp`")
    if not matches:
        # fewest differences; on a tie the newer version
        closest, diffs = min(reversed(found), key=lambda sd: len(sd[1]))
        raise NoMatchError(system, closest, diffs)
    target = matches[0]
    migrate.stamp(system, url, target.revision, project=project, purge=True)
    return Adopted(system, target.version, target.revision, previous)


def _foreign_revision(conn: sa.Connection) -> str | None:
    """Whatever alembic_version holds (several rows of another history are joined)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return ", ".join(rows) or None
