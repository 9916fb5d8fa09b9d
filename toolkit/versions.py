"""The chain of format versions of each system and the revisions they pin.

``dataformat/<system>/<V>.schema.json`` for every version V; versions form a
linear chain ordered numerically (1.0 < 1.1 < 1.2 < 1.10).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from toolkit import config as tk_config
from toolkit.errors import DatabaseError, VersionError
from toolkit.schemas import VersionSchema

_NAME = re.compile(r"^(\d+)\.(\d+)\.schema\.json$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _folder(system: str, project: tk_config.Project | None) -> Path:
    project = project or tk_config.find_project()
    return project.dataformat(system)


@lru_cache(maxsize=None)
def _chain_at(folder: Path) -> tuple[VersionSchema, ...]:
    found = []
    for path in folder.glob("*.schema.json") if folder.is_dir() else ():
        if _NAME.match(path.name):
            found.append(VersionSchema.load(path))
    return tuple(sorted(found, key=lambda s: version_key(s.version)))


def chain(system: str, project: tk_config.Project | None = None) -> list[VersionSchema]:
    """Every format version of ``system``, oldest first."""
    return list(_chain_at(_folder(system, project).resolve()))


def schema(system: str, version: str, project: tk_config.Project | None = None) -> VersionSchema:
    for s in chain(system, project):
        if s.version == version:
            return s
    known = ", ".join(s.version for s in chain(system, project)) or "none"
    raise VersionError(f"{system} has no format version {version} (known: {known})")


def head(system: str, project: tk_config.Project | None = None) -> VersionSchema:
    versions = chain(system, project)
    if not versions:
        raise VersionError(f"{system} has no format versions in dataformat/{system}/")
    return versions[-1]


def revision_of(system: str, version: str, project: tk_config.Project | None = None) -> str:
    return schema(system, version, project).revision


def for_revision(system: str, revision: str | None,
                 project: tk_config.Project | None = None) -> VersionSchema:
    """The version pinned to the database's revision, or an error naming the fix."""
    if revision is None:
        raise DatabaseError(f"the {system} database is not under Alembic (no revision)",
                            hint=f"run `toolkit db upgrade --system {system}` for a new database "
                                 f"or `toolkit db adopt --system {system}` for an existing one")
    for s in chain(system, project):
        if s.revision == revision:
            return s
    from toolkit import systems

    for other in systems.names():
        if other != system and any(s.revision == revision for s in chain(other, project)):
            raise DatabaseError(f"this is a {other} database (revision {revision}), "
                                f"not a {system} one", hint="check --db / the database URL")
    newest = head(system, project)
    raise DatabaseError(
        f"the {system} database is at revision {revision}, which no format version pins",
        hint=f"run `toolkit db upgrade --system {system} {newest.version}` "
             f"(format {newest.version} = revision {newest.revision})")
