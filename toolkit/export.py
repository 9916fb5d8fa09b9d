"""``toolkit export``: one system's database → a JSON or Excel archive.

Opens the engine, finds the format version pinned to the database's revision,
opens one read-only snapshot, extracts (counts and refs first, then rows
streamed) and writes atomically. Deletions are not carried: an incremental
archive (``since``) holds rows created or updated at or after TS and is
imported with ``--conflict overwrite``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from toolkit import config as tk_config
from toolkit import versions
from toolkit.errors import UsageError
from toolkit.extract import Progress, extract, parse_since, snapshot
from toolkit.migrate import current_revision
from toolkit.writer import default_path, write_archive

FORMATS = ("json", "excel")


@dataclass
class ExportResult:
    system: str
    version: str
    path: str
    format: str
    counts: dict[str, int]
    refs: dict[str, int]  # referenced rows left out, per module
    bytes: int
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        text = (f"{self.system}: exported {self.rows} rows of {len(self.counts)} modules "
                f"(format {self.version}) to {self.path}")
        return text


def export(system: str, url: str, fmt: str = "json", out=None, since: str | datetime | None = None,
           modules: list[str] | str | None = None, project: tk_config.Project | None = None,
           progress: Progress | None = None, batch_size: int | None = None) -> ExportResult:
    """Export ``system``'s database at ``url`` as the archive of its format version.

    ``out``: a path (``.json``, ``.json.gz``, ``.xlsx``), ``-`` for stdout, or
    None for ``backups/<system>-<version>-<stamp>.<ext>``. ``since``: a naive
    timestamp (text is parsed; an offset is refused). ``modules``: keys (a list
    or ``"a,b"``). ``progress(module, rows_so_far)`` as batches are read.
    """
    tk_config.get_system(system)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use json or excel")
    name = str(out) if out is not None else None
    if name not in (None, "-") and (fmt == "excel") != name.lower().endswith(".xlsx"):
        raise UsageError(f"-o {name}: {'an Excel workbook is a .xlsx file' if fmt == 'excel' else 'a .xlsx name needs --format excel'}")
    if isinstance(since, str):
        since = parse_since(since)
    if isinstance(modules, str):
        modules = modules.split(",")
    project = project or tk_config.find_project()
    engine = tk_config.make_engine(url, system=system)
    try:
        with snapshot(engine) as conn:
            schema = versions.for_revision(system, current_revision(conn), project)
            kw = {"batch_size": batch_size} if batch_size else {}
            archive = extract(conn, schema, since=since, modules=modules, progress=progress, **kw)
            target = str(out) if out is not None else str(default_path(system, schema.version, fmt))
            if fmt == "excel":
                from toolkit.excel import write_workbook

                written = write_workbook(archive, target, schema=schema)
                notes = ([f"{written.escaped} values hold control characters, written as "
                          f"_xHHHH_ (Excel shows the character; the toolkit reads it back): "
                          f"{'; '.join(written.escaped_at)}"] if written.escaped else [])
            else:
                written = write_archive(archive, target)
                notes = []
    finally:
        engine.dispose()
    return ExportResult(system, schema.version, target, fmt, dict(written.counts),
                        {k: len(v) for k, v in archive.header["refs"].items()},
                        written.bytes, notes)
