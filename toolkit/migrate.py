"""``toolkit db``: the same Alembic configuration as ``alembic -n <system>``.

Each function builds the system's Alembic config and calls one
``alembic.command``; a TARGET may be a revision or a format version.
"""
from __future__ import annotations

import io
import re
from contextlib import contextmanager

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from toolkit import config as tk_config
from toolkit.errors import DatabaseError, UsageError

_VERSION = re.compile(r"^\d+\.\d+$")


def alembic_config(system: str, url: str | None = None, project: tk_config.Project | None = None,
                   *, connection: Connection | None = None, create: bool = False,
                   stdout=None) -> AlembicConfig:
    project = project or tk_config.find_project()
    cfg = AlembicConfig(str(project.ini), ini_section=system, stdout=stdout or io.StringIO())
    cfg.attributes["url"] = tk_config.resolve_url(system, url, project)
    cfg.attributes["create"] = create
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory(system: str, project: tk_config.Project | None = None) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(system, project=project))


def heads(system: str, project: tk_config.Project | None = None) -> list[str]:
    return list(script_directory(system, project).get_heads())


def current_revision(conn: Connection) -> str | None:
    """The single revision the database is at (None if not under Alembic)."""
    revs = MigrationContext.configure(conn).get_current_heads()
    if len(revs) > 1:
        raise DatabaseError(f"database is at several revisions {', '.join(revs)}",
                            hint="merge the heads with alembic before using the toolkit")
    return revs[0] if revs else None


def resolve_target(system: str, target: str, project: tk_config.Project | None = None) -> str:
    """A format version (``1.1``) becomes its pinned revision; anything else passes to Alembic."""
    if _VERSION.match(target):
        from toolkit import versions

        return versions.revision_of(system, target, project)
    return target


@contextmanager
def _alembic_errors(system: str):
    try:
        yield
    except CommandError as exc:
        raise UsageError(f"{system}: {exc}") from exc


def upgrade(system: str, url: str | None = None, target: str = "head", *,
            project: tk_config.Project | None = None, sql: bool = False, stdout=None) -> None:
    cfg = alembic_config(system, url, project, create=True, stdout=stdout)
    with _alembic_errors(system):
        command.upgrade(cfg, resolve_target(system, target, project), sql=sql)


def downgrade(system: str, url: str | None = None, target: str = "-1", *,
              project: tk_config.Project | None = None, stdout=None) -> None:
    cfg = alembic_config(system, url, project, stdout=stdout)
    with _alembic_errors(system):
        command.downgrade(cfg, resolve_target(system, target, project))


def stamp(system: str, url: str | None, target: str, *, project: tk_config.Project | None = None,
          purge: bool = False, stdout=None) -> None:
    cfg = alembic_config(system, url, project, stdout=stdout)
    with _alembic_errors(system):
        command.stamp(cfg, resolve_target(system, target, project), purge=purge)


def history(system: str, *, project: tk_config.Project | None = None) -> str:
    out = io.StringIO()
    cfg = alembic_config(system, project=project, stdout=out)
    with _alembic_errors(system):
        command.history(cfg, indicate_current=False)
    return out.getvalue()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return current_revision(conn)
