"""``toolkit import``: an archive of any version into a database, all or nothing.

:func:`import_archive` is the whole command as a library call:

1. open the archive (:mod:`toolkit.reader`) and name its format version;
2. handshake: the database's revision names the target version; a newer
   archive or a database at an unpaired revision (or none) is refused before
   anything is written, with the command that fixes it;
3. plan the upgrade steps (:mod:`toolkit.upgrade`) and chain them over the
   record stream, each version validated as it flows (:mod:`toolkit.validate`);
4. load (:mod:`toolkit.load`) in one transaction; a validation problem, a
   conflict or a refusal by the database rolls everything back;
5. advance sequences and commit, or roll back for ``dry_run``.
"""
from __future__ import annotations

import os
from pathlib import Path

from toolkit import config as tk_config
from toolkit import migrate, sequences, versions
from toolkit.archive import Archive
from toolkit.errors import ToolkitError, VersionError
from toolkit.load import BATCH_SIZE, POLICIES, Progress, load
from toolkit.report import ImportReport
from toolkit.validate import Problems, checked_upgrade, refusal, schema_for

_NOTHING_IMPORTED = "nothing was imported; `toolkit validate FILE` lists every problem"


def import_archive(source: str | os.PathLike | Archive, url: str, *, conflict: str = "error",
                   dry_run: bool = False, replace: bool = False,
                   project: tk_config.Project | None = None, progress: Progress | None = None,
                   batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import ``source`` (a path, ``-`` for stdin, or an open Archive) into ``url``.

    Returns the report; raises a :class:`ToolkitError` naming file, module,
    record, field and reason when nothing was imported. Such an error carries
    ``.report`` (what the run had counted, e.g. every conflict) and, for
    invalid records, ``.problems`` (each problem, as ``toolkit validate``
    reports them).
    """
    if conflict not in POLICIES:
        from toolkit.errors import UsageError

        raise UsageError(f"--conflict must be one of {', '.join(POLICIES)}, not {conflict!r}")
    project = project or tk_config.find_project()
    if not isinstance(source, Archive):
        from toolkit.reader import open_archive

        source = open_archive(Path(source) if str(source) != "-" else "-")
    archive = source
    origin = schema_for(archive.header, project, archive.source)
    engine = tk_config.make_engine(url, system=origin.system)
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                report = _run(conn, archive, origin, project, url, conflict=conflict,
                              dry_run=dry_run, replace=replace, progress=progress,
                              batch_size=batch_size)
            except BaseException:
                tx.rollback()
                raise
            if dry_run:
                tx.rollback()
            else:
                tx.commit()
                report.committed = True
            return report
    finally:
        engine.dispose()


def _run(conn, archive: Archive, origin, project, url, *, conflict, dry_run, replace, progress,
         batch_size) -> ImportReport:
    system = origin.system
    target = versions.for_revision(system, migrate.current_revision(conn), project)
    if versions.version_key(origin.version) > versions.version_key(target.version):
        raise VersionError(
            f"the archive is format {origin.version}, newer than the {system} database "
            f"(format {target.version}, revision {target.revision})", file=archive.source,
            hint=f"upgrade the database first: `toolkit db upgrade --system {system} "
                 f"{origin.version}`")
    problems = Problems()
    steps, stream = checked_upgrade(archive, target.version, project, problems)
    report = ImportReport(system, archive.source, tk_config.mask_url(url), origin.version,
                          target.version, conflict=conflict, replace=replace, dry_run=dry_run,
                          plan=[s.description for s in steps])
    try:
        try:
            load(conn, stream, target, conflict=conflict, replace=replace, report=report,
                 progress=progress, batch_size=batch_size)
        except Exception as exc:
            # a record that failed validation explains the failure better than
            # what the loader or the database made of it
            if problems:
                raise refusal(problems, _NOTHING_IMPORTED) from exc
            raise
        if problems:
            raise refusal(problems, _NOTHING_IMPORTED)
    except ToolkitError as exc:
        exc.report = report
        exc.problems = list(problems)
        report.notes = list(stream.notes)
        raise
    report.notes = list(stream.notes)
    if not dry_run:  # a sequence cannot be rolled back: only for a commit
        sequences.advance(conn, [target.table(m.key) for m in report.modules if m.inserted])
    return report
