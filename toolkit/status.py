"""``toolkit status``: where a system's database stands, in one look.

Per system: the URL (password masked), current revision and head, pending
migrations, the format version the database matches, row counts per module
with 中文名, and the newest archive in backups/ with its version and age.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select

from toolkit import config as tk_config
from toolkit import migrate, versions
from toolkit.errors import DatabaseError, ToolkitError


@dataclass
class ModuleRows:
    key: str
    label: str
    rows: int


@dataclass
class Backup:
    path: str
    version: str | None
    exported_at: str | None
    age_hours: float


@dataclass
class SystemStatus:
    system: str
    label: str
    url: str
    revision: str | None
    head: str
    pending: list[str]
    version: str | None
    modules: list[ModuleRows] = field(default_factory=list)
    backup: Backup | None = None

    @property
    def total_rows(self) -> int:
        return sum(m.rows for m in self.modules)

    def as_dict(self) -> dict:
        return {**asdict(self), "total_rows": self.total_rows}


def status(system: str, url: str, project: tk_config.Project,
           backups: Path = Path("backups")) -> SystemStatus:
    """Raises DatabaseError for a missing, unreachable or unversioned database."""
    sys_ = tk_config.get_system(system)
    script = migrate.script_directory(system, project)
    head = script.get_current_head()
    engine = tk_config.make_engine(url, system=system)
    try:
        with engine.connect() as conn:
            revision = migrate.current_revision(conn)
            if revision is None:
                tables = set(inspect(conn).get_table_names())
                what = "has tables but is not under Alembic" if tables else "is empty"
                hint = (f"toolkit db adopt --system {system}" if tables
                        else f"toolkit db upgrade --system {system}")
                raise DatabaseError(f"the {system} database {what}", hint=f"run `{hint}`")
            pending = [r.revision for r in script.iterate_revisions(head, revision)
                       if r.revision != revision]
            pending.reverse()
            try:
                schema = versions.for_revision(system, revision, project)
            except ToolkitError:
                schema = None
            modules = []
            if schema is not None:
                for m in schema.modules:
                    rows = conn.execute(select(func.count()).select_from(schema.table(m.key))).scalar()
                    modules.append(ModuleRows(m.key, m.label, rows))
    finally:
        engine.dispose()
    return SystemStatus(system, sys_.label, tk_config.mask_url(url), revision, head, pending,
                        schema.version if schema else None, modules, newest_backup(system, backups))


def newest_backup(system: str, folder: Path) -> Backup | None:
    """The newest archive of ``system`` in ``folder``, whatever its name
    (``backups/daily_backup.json`` too): files are tried newest first and the
    first whose header names the system wins. Unreadable files are passed over
    (``toolkit validate`` says why)."""
    from toolkit.reader import open_archive

    found = [p for p in folder.iterdir() if p.is_file()
             and p.name.endswith((".json", ".json.gz", ".xlsx"))] if folder.is_dir() else []
    for path in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            header = open_archive(path).header
        except ToolkitError:
            continue
        if header.get("system") != system:
            continue
        age = (time.time() - path.stat().st_mtime) / 3600
        return Backup(str(path), header.get("version"), header.get("exported_at"), round(age, 1))
    return None
