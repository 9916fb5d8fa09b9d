"""Fresh databases for tests, on every engine, cheaply.

A database at a given (system, revision, seeded) is built once per test
session as a template and cloned for each test: SQLite copies the file,
PostgreSQL uses ``CREATE DATABASE … TEMPLATE``, MariaDB replays
``SHOW CREATE TABLE`` and copies the rows.
"""
from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from toolkit import config as tk_config
from toolkit import migrate
from toolkit import seed as seeding

REPO = Path(__file__).resolve().parent.parent
PROJECT = tk_config.Project(REPO / "alembic.ini")
BACKENDS = ("sqlite", "postgresql", "mysql")
ENV = {"postgresql": "TOOLKIT_TEST_POSTGRES_URL", "mysql": "TOOLKIT_TEST_MYSQL_URL"}
_counter = itertools.count(1)


def worker_tag() -> str:
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}_{os.getpid()}"


def migrate_to(system: str, url: str, revision: str = "head") -> None:
    migrate.upgrade(system, url, revision, project=PROJECT)


def seed_into(system: str, url: str, scale: int = 1) -> None:
    engine = tk_config.make_engine(url)
    try:
        with engine.begin() as conn:
            seeding.seed(conn, tk_config.get_system(system), scale)
    finally:
        engine.dispose()


class Server:
    """One engine's server; creates, clones and drops databases."""

    name: str

    def __init__(self, base_dir: Path):
        self.base_dir = base_dir
        self.templates: dict[tuple, str] = {}
        self.created: list[str] = []

    def database(self, system: str, revision: str = "head", seeded: bool = False) -> str:
        key = (system, revision, seeded)
        if key not in self.templates:
            tpl = self.new_database(f"tpl_{system}_{revision.replace('.', '_')}_{int(seeded)}")
            migrate_to(system, tpl, revision)
            if seeded:
                seed_into(system, tpl)
            self.templates[key] = tpl
        return self.clone(self.templates[key])

    def empty(self) -> str:
        return self.new_database(f"db{next(_counter)}")


class SqliteServer(Server):
    name = "sqlite"

    def new_database(self, label: str) -> str:
        path = self.base_dir / f"{label}_{next(_counter)}.db"
        return f"sqlite:///{path}"

    def clone(self, url: str) -> str:
        target = self.base_dir / f"db{next(_counter)}.db"
        shutil.copyfile(tk_config.sqlite_path(url), target)
        return f"sqlite:///{target}"

    def drop_all(self) -> None:
        pass


class _ServerBase(Server):
    def __init__(self, base_dir: Path, admin_url: str):
        super().__init__(base_dir)
        self.admin_url = tk_config.normalize_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", pool_size=1)

    def url_of(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _name(self, label: str) -> str:
        return f"tk_{worker_tag()}_{label}_{next(_counter)}".lower()

    def drop_all(self) -> None:
        for name in reversed(self.created):
            self.drop(name)
        self.created.clear()
        self.admin.dispose()


class PostgresServer(_ServerBase):
    name = "postgresql"

    def new_database(self, label: str) -> str:
        name = self._name(label)
        with self.admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        self.created.append(name)
        return self.url_of(name)

    def clone(self, url: str) -> str:
        name = self._name("db")
        with self.admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
        self.created.append(name)
        return self.url_of(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class MysqlServer(_ServerBase):
    name = "mysql"

    def new_database(self, label: str) -> str:
        name = self._name(label)
        with self.admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        self.created.append(name)
        return self.url_of(name)

    def clone(self, url: str) -> str:
        source = make_url(url).database
        target = make_url(self.new_database("db")).database
        with self.admin.connect() as c:
            c.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            tables = [r[0] for r in c.exec_driver_sql(
                f"SHOW FULL TABLES FROM `{source}` WHERE Table_type = 'BASE TABLE'")]
            c.exec_driver_sql(f"USE `{target}`")
            for t in tables:
                ddl = c.exec_driver_sql(f"SHOW CREATE TABLE `{source}`.`{t}`").one()[1]
                c.exec_driver_sql(ddl)
                c.exec_driver_sql(f"INSERT INTO `{target}`.`{t}` SELECT * FROM `{source}`.`{t}`")
            c.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        return self.url_of(target)

    def drop(self, name: str) -> None:
        with self.admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


def reachable(url: str) -> str | None:
    """None when the server answers, else the reason."""
    try:
        engine = create_engine(tk_config.normalize_url(url), pool_pre_ping=True)
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: not reachable
        return str(exc).splitlines()[0]
