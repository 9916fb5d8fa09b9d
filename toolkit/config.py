"""Where things are: alembic.ini, the project folders, a system's database URL.

One resolution order for every entry point (toolkit, alembic -n, Flask):
``--db URL`` › env ``<SYSTEM>_DATABASE_URL`` › the system's section in
alembic.ini (``sqlalchemy.url``) › ``sqlite:///instance/<system>.db``.
"""
from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from toolkit import systems
from toolkit.errors import ConfigError, DatabaseError, UsageError
from toolkit.systems import System

_PACKAGED = Path(__file__).parent / "_project"
_CHECKOUT = Path(__file__).parent.parent


@dataclass(frozen=True)
class Project:
    """The folder holding alembic.ini, migrations/ and dataformat/."""

    ini: Path

    @property
    def root(self) -> Path:
        return self.ini.parent

    def migrations(self, system: str) -> Path:
        return self.root / "migrations" / system

    def dataformat(self, system: str) -> Path:
        return self.root / "dataformat" / system

    def ini_url(self, system: str) -> str | None:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.ini, encoding="utf-8")
        if parser.has_section(system):
            return parser.get(system, "sqlalchemy.url", fallback=None) or None
        return None


def find_project(config: str | os.PathLike | None = None) -> Project:
    """``--config PATH`` › env TOOLKIT_CONFIG › ./alembic.ini › the installed copy."""
    explicit = config or os.environ.get("TOOLKIT_CONFIG")
    if explicit:
        path = Path(explicit)
        if path.is_dir():
            path = path / "alembic.ini"
        if not path.is_file():
            raise ConfigError(f"config file {path} not found")
        return Project(path.resolve())
    for candidate in (Path.cwd() / "alembic.ini", _CHECKOUT / "alembic.ini", _PACKAGED / "alembic.ini"):
        if candidate.is_file() and (candidate.parent / "migrations").is_dir():
            return Project(candidate.resolve())
    raise ConfigError("alembic.ini not found in the current directory",
                      hint="run from the project folder or pass --config PATH")


def get_system(name: str) -> System:
    try:
        return systems.get(name)
    except KeyError:
        raise UsageError(f"unknown system {name!r}; known: {', '.join(systems.names())}") from None


def normalize_url(url: str) -> str:
    """Map plain ``postgresql://`` and ``mysql://`` URLs to psycopg 3 and PyMySQL."""
    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise UsageError(f"not a database URL: {url!r}") from exc
    driver = u.drivername
    if driver in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    elif driver in ("mysql", "mariadb", "mariadb+pymysql"):
        u = u.set(drivername="mysql+pymysql")
    if u.get_backend_name() in ("mysql", "mariadb") and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    return u.render_as_string(hide_password=False)


def env_var(system: str) -> str:
    """The environment variable naming a system's database (``TIKU_DATABASE_URL``)."""
    return f"{system.upper()}_DATABASE_URL"


def resolve_url(system: str, db: str | None = None, project: Project | None = None) -> str:
    env = os.environ.get(env_var(system))
    url = db or env or (project.ini_url(system) if project else None)
    if not url:
        url = f"sqlite:///instance/{system}.db"
    return normalize_url(url)


def mask_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, *, create: bool = False, migrating: bool = False,
                system: str | None = None, **kw) -> Engine:
    """An engine configured the way every command needs it.

    SQLite: the file must exist unless ``create``; foreign keys are enforced
    on each connection (except while migrating: batch mode rebuilds tables);
    transactions begin with an explicit BEGIN so a read sees one snapshot and
    DDL is transactional.
    """
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            if not create:
                raise DatabaseError(f"database file {path} does not exist",
                                    hint=f"create it with `toolkit db upgrade --system "
                                         f"{system or 'SYSTEM'} --db {url}`")
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kw)
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine, foreign_keys=not migrating)
    return engine


def _sqlite_transactions(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")
