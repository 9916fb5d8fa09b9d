"""`toolkit check`: do models, Alembic revisions, schemas and steps agree?

Run in CI. Each drift is one line that names its fix. Checked per system:
  * every ``<V>.schema.json`` is valid JSON Schema and says it is V;
  * Alembic has exactly one head, and the newest version pins it;
  * every version pins a revision that exists;
  * every version but the newest has a step to the next, and no step leads
    to a version without a schema;
  * the newest schema equals the one derived from the models;
  * no pending autogenerate changes: a fresh database upgraded to head
    compares clean with the models (SQLite always; PostgreSQL/MariaDB
    servers given with ``--db`` or env TOOLKIT_TEST_POSTGRES_URL).
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from toolkit import alembic_env, migrate, schemas, systems, upgrade
from toolkit import config as tk_config
from toolkit.errors import ArchiveError
from toolkit.schemas import VersionSchema

_NAME = re.compile(r"^(\d+\.\d+)\.schema\.json$")


@dataclass(frozen=True)
class Drift:
    system: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.system}: {self.message} — {self.fix}"


def check(project: tk_config.Project | None = None, servers: tuple[str, ...] = ()) -> list[Drift]:
    """Every drift found in ``project``; empty when all agree.

    ``servers``: database server URLs on which a scratch database is created,
    migrated to head and compared with the models (besides SQLite).
    """
    project = project or tk_config.find_project()
    drifts: list[Drift] = []
    for name in systems.names():
        drifts += check_system(name, project, servers)
    return drifts


def default_servers() -> tuple[str, ...]:
    url = os.environ.get("TOOLKIT_TEST_POSTGRES_URL")
    return (url,) if url else ()


def check_system(system: str, project: tk_config.Project,
                 servers: tuple[str, ...] = ()) -> list[Drift]:
    out: list[Drift] = []

    def drift(message: str, fix: str) -> None:
        out.append(Drift(system, message, fix))

    folder = project.dataformat(system)
    rel = lambda p: os.path.relpath(p, project.root)  # noqa: E731
    chain = _load_chain(folder, rel, drift)
    script = migrate.script_directory(system, project)
    heads = list(script.get_heads())
    new_version = f"`toolkit new-version --system {system} -m MSG`"

    if len(heads) > 1:
        drift(f"{len(heads)} Alembic heads ({', '.join(sorted(heads))})",
              f"merge them: `alembic -n {system} merge heads -m MSG`")
    if not chain:
        drift(f"no format versions in {rel(folder)}", new_version)
        return out
    for s in chain:
        if not _known(script, s.revision):
            drift(f"format {s.version} pins revision {s.revision}, which is not in "
                  f"{rel(project.migrations(system))}/versions",
                  f"restore the revision or fix schema_revision in {rel(s.path)}")
    newest = chain[-1]
    if len(heads) == 1 and newest.revision != heads[0]:
        drift(f"newest format {newest.version} pins {newest.revision} but the Alembic head "
              f"is {heads[0]}", f"pair the head with a format version: {new_version}")

    try:
        steps = _steps(system, project)
    except Exception as exc:  # a broken steps file must fail CI, not crash it
        steps = None
        drift(f"{rel(folder / 'steps.py')} fails to load ({type(exc).__name__}: {exc})",
              "fix the steps file")
    known = [s.version for s in chain]
    for a, b in zip(known, known[1:]) if steps is not None else ():
        st = steps.get(a)
        if st is None or st.target != b:
            drift(f"no upgrade step {a} → {b}",
                  f"write `@step(\"{system}\", \"{a}\", \"{b}\")` in {rel(folder / 'steps.py')}")
    for source, st in (steps or {}).items():
        if st.target not in known:
            drift(f"step {source} → {st.target} leads to a version without a schema",
                  f"write {rel(folder / (st.target + '.schema.json'))} with {new_version}")

    derived = schemas.derive(tk_config.get_system(system), newest.version, newest.revision)
    if derived != newest.raw:
        what = "; ".join(schema_diff(newest.raw, derived)[:3]) or "annotations differ"
        drift(f"{rel(newest.path)} differs from the models ({what})",
              f"if {newest.version} is released: {new_version}; if not yet: "
              f"`toolkit new-version --system {system} --regenerate`")

    for url in ("sqlite", *servers):
        try:
            diffs = pending_changes(system, project, url)
        except Exception as exc:  # a revision that fails to run is drift too
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            drift(f"migrating a fresh {_engine_name(url)} database to head failed: {first}",
                  "fix the revision, then `toolkit check` again")
            continue
        if diffs:
            drift(f"models have changes no revision makes ({_engine_name(url)}: "
                  f"{', '.join(diffs[:5])}{', …' if len(diffs) > 5 else ''})", new_version)
    return out


def _known(script, rev: str) -> bool:
    try:
        return script.get_revision(rev) is not None
    except Exception:  # alembic raises ResolutionError/CommandError for an unknown id
        return False


def _load_chain(folder: Path, rel, drift) -> list[VersionSchema]:
    """Every schema file, read fresh (no cache: check runs on edited copies)."""
    found = []
    for path in sorted(folder.glob("*.schema.json")):
        m = _NAME.match(path.name)
        if not m:
            continue
        try:
            s = VersionSchema.load(path)
            Draft202012Validator.check_schema(s.raw)
        except ArchiveError as exc:
            drift(f"{rel(path)} cannot be read ({exc.message})", "restore it from git")
            continue
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "top level"
            drift(f"{rel(path)} is not valid JSON Schema at {where}: {exc.message}",
                  "restore it from git (released schemas never change)")
            continue
        except KeyError as exc:
            drift(f"{rel(path)} lacks {exc}", "restore it from git")
            continue
        if s.version != m.group(1):
            drift(f"{rel(path)} says it is format {s.version}", "restore it from git")
            continue
        found.append(s)
    return sorted(found, key=lambda s: tuple(int(p) for p in s.version.split(".")))


def _steps(system: str, project: tk_config.Project) -> dict[str, upgrade.Step]:
    """The steps ``dataformat/<system>/steps.py`` of *this* project registers.

    Executed against an empty registry, then the registry is put back, so a
    copy of the project does not mix with the steps already loaded.
    """
    import importlib.util

    path = upgrade.steps_file(system, project)
    if not path.is_file():
        return {}
    saved = dict(upgrade._STEPS)
    upgrade._STEPS.clear()
    try:
        spec = importlib.util.spec_from_file_location(f"toolkit_check_{system}_steps", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return {src: st for (sys_, src), st in upgrade._STEPS.items() if sys_ == system}
    finally:
        upgrade._STEPS.clear()
        upgrade._STEPS.update(saved)


# ------------------------------------------------------------------ schema diff
def schema_diff(committed: dict, derived: dict) -> list[str]:
    """Short descriptions of how a committed schema differs from the derived one."""
    out = []
    a, b = committed.get("$defs", {}), derived.get("$defs", {})
    for key in sorted(set(b) - set(a)):
        if "." not in key:
            out.append(f"module {key} only in the models")
    for key in sorted(set(a) - set(b)):
        if "." not in key:
            out.append(f"module {key} only in the schema")
    for key in sorted(set(a) & set(b)):
        pa, pb = a[key].get("properties", {}), b[key].get("properties", {})
        for f in sorted(set(pb) - set(pa)):
            out.append(f"{key}.{f} only in the models")
        for f in sorted(set(pa) - set(pb)):
            out.append(f"{key}.{f} only in the schema")
        for f in sorted(set(pa) & set(pb)):
            if pa[f] != pb[f]:
                out.append(f"{key}.{f} differs")
        if a[key].get("x-module") != b[key].get("x-module") and "." not in key:
            out.append(f"{key} catalogue differs")
    return out


# ------------------------------------------------------------------ autogenerate
def pending_changes(system: str, project: tk_config.Project, server: str = "sqlite") -> list[str]:
    """What autogenerate would put in a new revision, on a fresh database at head."""
    with _scratch_database(server) as url:
        migrate.upgrade(system, url, "head", project=project)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                ctx = MigrationContext.configure(
                    conn, opts={"compare_type": alembic_env.compare_type,
                                "compare_server_default": False})
                diffs = compare_metadata(ctx, tk_config.get_system(system).metadata)
        finally:
            engine.dispose()
    return [describe(d) for d in diffs]


def describe(diff) -> str:
    """``('add_column', None, 'questions', Column('x', …))`` → ``add_column questions.x``."""
    if isinstance(diff, list):  # modify_* come as a list of tuples
        diff = diff[0]
    op = diff[0]
    if op in ("add_table", "remove_table"):
        return f"{op} {diff[1].name}"
    if op in ("add_column", "remove_column"):
        return f"{op} {diff[2]}.{diff[3].name}"
    if op.startswith("modify_"):
        return f"{op} {diff[2]}.{diff[3]}"
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        obj = diff[1]
        return f"{op} {getattr(obj.table, 'name', '?')}.{obj.name}"
    if op in ("add_fk", "remove_fk"):
        return f"{op} {diff[1].parent.name}"
    return op


def _engine_name(url: str) -> str:
    return "SQLite" if url == "sqlite" else make_url(tk_config.normalize_url(url)).get_backend_name()


@contextmanager
def _scratch_database(server: str):
    """A new empty database: a temp SQLite file, or one created on a server and dropped after."""
    if server == "sqlite":
        with tempfile.TemporaryDirectory(prefix="toolkit-check-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'check.db'}"
        return
    admin_url = tk_config.normalize_url(server)
    name = f"toolkit_check_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    quote = '"' if admin.dialect.name == "postgresql" else "`"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
    finally:
        admin.dispose()
