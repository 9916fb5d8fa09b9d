"""The ``toolkit`` command: one thin command per verb over the library.

Errors become exit codes in one place (:class:`_Group`): a ToolkitError is
one line on stderr with its exit code (1 data/database, 2 usage); a database
that cannot be reached is one line and exit 1. Never a traceback for a user error.
"""
from __future__ import annotations

import sys

import click
from sqlalchemy.exc import DBAPIError, OperationalError

from toolkit import __version__
from toolkit import config as tk_config
from toolkit import errors as tk_errors
from toolkit.errors import ToolkitError


class _Failure(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


_CONNECT_WORDS = ("connect", "connection", "unable to open database", "unknown database",
                  "does not exist", "access denied", "authentication", "timeout expired")


def _is_connection_error(exc: OperationalError) -> bool:
    """OperationalError covers both "no connection" and a failed statement (DDL on MariaDB)."""
    return exc.connection_invalidated or any(w in _one_line(exc).lower() for w in _CONNECT_WORDS)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            raise _Failure(str(exc), exc.exit_code) from exc
        except OperationalError as exc:
            if _is_connection_error(exc):
                raise _Failure(f"cannot reach the database: {_one_line(exc)}", 1) from exc
            raise _Failure(f"the database refused: {_one_line(exc)}", 1) from exc
        except DBAPIError as exc:
            raise _Failure(f"the database refused: {_one_line(exc)}", 1) from exc


class Ctx:
    default_system: str | None = None

    def __init__(self, config_path: str | None, quiet: bool):
        self.config_path = config_path
        self.quiet = quiet
        self._project = None

    @property
    def project(self) -> tk_config.Project:
        if self._project is None:
            self._project = tk_config.find_project(self.config_path)
        return self._project

    def url(self, system: str, db: str | None) -> str:
        return tk_config.resolve_url(system, db, self.project)

    def progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


pass_ctx = click.make_pass_decorator(Ctx)

def _default_system(ctx, _param, value):
    """``--system`` may be left out where the context knows it (``flask migrate``)."""
    if value:
        return value
    obj = ctx.find_object(Ctx)
    if obj is not None and obj.default_system:
        return obj.default_system
    raise click.MissingParameter(ctx=ctx, param=_param)


system_option = click.option("--system", "-s", "system", callback=_default_system,
                              help="Which system: tiku (题库系统) or dudao (督学系统).")
db_option = click.option("--db", "db", metavar="URL",
                         help="Database URL (default: env <SYSTEM>_DATABASE_URL, alembic.ini, "
                              "sqlite:///instance/<system>.db).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gongkao-toolkit")
@click.option("--config", "config_path", envvar="TOOLKIT_CONFIG", metavar="PATH",
              help="alembic.ini of the project (default: ./alembic.ini; env TOOLKIT_CONFIG).")
@click.option("--quiet", "-q", is_flag=True, help="No progress, only errors and the summary line.")
@click.pass_context
def cli(ctx, config_path, quiet):
    """Schema and data versioning for tiku (题库系统) and dudao (督学系统)."""
    ctx.obj = Ctx(config_path, quiet)


# ---------------------------------------------------------------- db
@cli.group(cls=_Group)
def db():
    """Alembic for one system: the same configuration as `alembic -n SYSTEM`."""


def _db_command(name, help_text, default_target=None, needs_target=False):
    def decorator(fn):
        params = [system_option, db_option]
        if needs_target or default_target is not None:
            params.append(click.argument("target", required=needs_target,
                                         default=default_target, metavar="TARGET"))
        for p in reversed(params):
            fn = p(fn)
        return db.command(name, help=help_text)(fn)
    return decorator


@_db_command("upgrade", "Upgrade the database to TARGET (revision or format version; default head). "
             "Creates a SQLite file that does not exist yet.", default_target="head")
@pass_ctx
def db_upgrade(obj: Ctx, system, db, target):
    from toolkit import migrate

    tk_config.get_system(system)
    migrate.upgrade(system, obj.url(system, db), target, project=obj.project)
    _say_current(obj, system, db)


@_db_command("downgrade", "Downgrade the database to TARGET (revision, format version, -1 or base).",
             needs_target=True)
@pass_ctx
def db_downgrade(obj: Ctx, system, db, target):
    from toolkit import migrate

    tk_config.get_system(system)
    migrate.downgrade(system, obj.url(system, db), target, project=obj.project)
    _say_current(obj, system, db)


@_db_command("stamp", "Record TARGET as the database's revision without running migrations.",
             needs_target=True)
@pass_ctx
def db_stamp(obj: Ctx, system, db, target):
    from toolkit import migrate

    tk_config.get_system(system)
    migrate.stamp(system, obj.url(system, db), target, project=obj.project)
    _say_current(obj, system, db)


@_db_command("current", "Show the database's current revision.")
@pass_ctx
def db_current(obj: Ctx, system, db):
    _say_current(obj, system, db, always=True)


@_db_command("history", "List the system's revisions, newest first.")
@pass_ctx
def db_history(obj: Ctx, system, db):
    from toolkit import migrate

    tk_config.get_system(system)
    click.echo(migrate.history(system, project=obj.project), nl=False)


@_db_command("adopt", "Put a database made before the toolkit under its revisions: compare "
             "its tables with each format version and stamp the one that matches (replacing a "
             "Flask-Migrate revision), or list the differences and change nothing.")
@pass_ctx
def db_adopt(obj: Ctx, system, db):
    from toolkit import adopt

    done = adopt.adopt(system, obj.url(system, db), project=obj.project)
    replaced = ("" if not done.previous else " (it was already)" if done.previous == done.revision
                else f", replacing revision {done.previous}")
    click.echo(f"{system}: the database matches format {done.version}; "
               f"stamped {done.revision}{replaced}")


def _say_current(obj: Ctx, system: str, db: str | None, always: bool = False) -> None:
    from toolkit import migrate

    tk_config.get_system(system)
    if obj.quiet and not always:
        return
    engine = tk_config.make_engine(obj.url(system, db), system=system)
    try:
        rev = migrate.current(engine)
    finally:
        engine.dispose()
    head = migrate.heads(system, obj.project)
    state = "head" if rev in head else "not at head"
    click.echo(f"{system}: {rev or '(none)'} ({state})")


# ---------------------------------------------------------------- seed
@cli.command()
@system_option
@db_option
@click.option("--scale", default=1, show_default=True, type=int,
              help="1 is a small school; 100 gives about a million practice_details.")
@click.option("--force", is_flag=True, help="Add to a database that already has rows.")
@pass_ctx
def seed(obj: Ctx, system, db, scale, force):
    """Fill a database at head with deterministic demo data."""
    from toolkit import seed as seeding

    sys_ = tk_config.get_system(system)
    engine = tk_config.make_engine(obj.url(system, db), system=system)
    try:
        with engine.begin() as conn:
            _require_head(conn, sys_.name, obj)
            counts = seeding.seed(conn, sys_, scale, allow_non_empty=force)
    finally:
        engine.dispose()
    total = sum(counts.values())
    if not obj.quiet:
        for m in sys_.modules:
            click.echo(f"  {m.key:<24} {pad(m.label, 10)} {counts[m.key]:>9}")
    click.echo(f"{system}: seeded {total} rows in {len(counts)} modules (scale {scale})")


# ---------------------------------------------------------------- status
@cli.command()
@click.option("--system", "-s", "system_names", multiple=True,
              help="Which system (default: every system).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--backups", default="backups", show_default=True, type=click.Path(file_okay=False),
              help="Folder searched for the newest archive.")
@pass_ctx
def status(obj: Ctx, system_names, db, as_json, backups):
    """Revision, pending migrations, format version, rows per module, newest backup."""
    import json
    from pathlib import Path

    from toolkit import status as status_mod
    from toolkit import systems

    names = list(system_names) or ([obj.default_system] if obj.default_system else systems.names())
    if db and len(names) > 1:
        raise click.UsageError("--db needs exactly one --system")
    results, failed = [], False
    for name in names:
        tk_config.get_system(name)
        try:
            st = status_mod.status(name, obj.url(name, db), obj.project, Path(backups))
        except ToolkitError as exc:
            failed = True
            results.append({"system": name, "error": str(exc)})
            if not as_json:
                click.echo(f"{name}: {exc}", err=True)
            continue
        except OperationalError as exc:
            failed = True
            results.append({"system": name, "error": f"cannot reach the database: {_one_line(exc)}"})
            if not as_json:
                click.echo(f"{name}: cannot reach the database: {_one_line(exc)}", err=True)
            continue
        results.append(st.as_dict())
        if not as_json:
            _print_status(st, obj.quiet)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if failed:
        click.get_current_context().exit(1)


def _print_status(st, quiet: bool) -> None:
    state = "head" if not st.pending else f"{len(st.pending)} migration(s) pending: {', '.join(st.pending)}"
    fmt = f"format {st.version}" if st.version else "no format version pins this revision"
    click.echo(f"{st.system} ({st.label})  {st.url}")
    click.echo(f"  revision {st.revision} ({state}); head {st.head}; {fmt}")
    if not quiet:
        for m in st.modules:
            click.echo(f"  {m.key:<24} {pad(m.label, 10)} {m.rows:>9}")
    click.echo(f"  {st.total_rows} rows in {len(st.modules)} modules")
    if st.backup:
        b = st.backup
        click.echo(f"  newest backup {b.path} (format {b.version or '?'}, {_age(b.age_hours)} old)")
    else:
        click.echo("  no backup found in backups/")


def _age(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal cells (a CJK character takes two)."""
    import unicodedata

    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cells)


def _require_head(conn, system: str, obj: Ctx) -> None:
    from toolkit import migrate
    from toolkit.errors import DatabaseError

    rev = migrate.current_revision(conn)
    if rev not in migrate.heads(system, obj.project):
        raise DatabaseError(f"{system} database is at revision {rev or '(none)'}, not at head",
                            hint=f"run `toolkit db upgrade --system {system}` first")


# ---------------------------------------------------------------- export
@cli.command()
@system_option
@db_option
@click.option("--format", "-f", "fmt", type=click.Choice(["json", "excel"]), default=None,
              help="json (default; .json.gz is compressed) or excel (.xlsx for people, "
                   "readable back by validate and import).")
@click.option("-o", "--output", "out", metavar="PATH",
              help="File to write; - for stdout (default: backups/<system>-<version>-"
                   "<YYYYmmdd-HHMMSS>.json or .xlsx).")
@click.option("--since", metavar="TS",
              help="Only rows created or updated at or after TS (YYYY-MM-DD[THH:MM:SS[.ffffff]], "
                   "local time as stored, no offset).")
@click.option("-m", "--modules", metavar="A,B", help="Only these modules (comma-separated keys).")
@pass_ctx
def export(obj: Ctx, system, db, fmt, out, since, modules):
    """Export a database as an archive of its format version.

    One consistent snapshot; secrets (password hashes) are left out. Rows
    that exported records point at but the archive leaves out (--since, -m)
    are listed by natural key in "refs". Deletions are not carried: import an
    incremental (--since) archive with `toolkit import FILE --conflict overwrite`.
    """
    from toolkit import export as exporting

    tk_config.get_system(system)
    if fmt is None:
        fmt = "excel" if out and out.lower().endswith(".xlsx") else "json"
    to_stdout = out == "-"
    result = exporting.export(system, obj.url(system, db), fmt, out, since, modules,
                              project=obj.project,
                              progress=_export_progress(system) if obj.progress() else None)
    if obj.progress():
        click.echo("\r\033[K", nl=False, err=True)
    for note in result.notes:
        click.echo(f"  note: {note}", err=to_stdout)
    click.echo(result.summary(), err=to_stdout)


def _export_progress(system: str):
    """A one-line counter on stderr: module (中文名) and rows read so far."""
    labels = {m.key: m.label for m in tk_config.get_system(system).modules}

    def show(module: str, rows: int) -> None:
        click.echo(f"\r\033[K  {module} {labels.get(module, '')}: {rows} rows", nl=False, err=True)

    return show


# ---------------------------------------------------------------- validate
@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON (for CI).")
@click.option("--max-problems", default=100, show_default=True, type=click.IntRange(min=1),
              help="Problems listed per file; the rest are counted.")
@pass_ctx
def validate(obj: Ctx, files, as_json, max_problems):
    """Check archive files against their format version's schema.

    Exit 0 when every file is valid, 1 when any is not.
    """
    import json

    from toolkit.validate import validate_file

    reports = [validate_file(f, obj.project, max_problems) for f in files]
    if as_json:
        click.echo(json.dumps({"ok": all(r.ok for r in reports),
                               "files": [r.as_dict() for r in reports]},
                              ensure_ascii=False, indent=2))
    else:
        for r in reports:
            for p in r.problems:
                click.echo(str(p))
            if r.problems.omitted:
                click.echo(f"{r.file}: … and {r.problems.omitted} more problems "
                           f"(--max-problems to list them)")
            click.echo(r.summary())
    if not all(r.ok for r in reports):
        click.get_current_context().exit(1)


# ---------------------------------------------------------------- upgrade-archive
@cli.command("upgrade-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", metavar="PATH",
              help="Where to write (default: beside FILE, its version in the name replaced).")
@click.option("--to", "to", metavar="V", help="Target format version (default: the newest).")
@pass_ctx
def upgrade_archive(obj: Ctx, file, out, to):
    """Upgrade an archive file step by step to a newer format version."""
    from toolkit.reader import open_archive
    from toolkit.validate import schema_for, upgrade_checked
    from toolkit.writer import upgraded_path, write_archive

    archive = open_archive(file)
    source = schema_for(archive.header, obj.project, archive.source).version
    steps, upgraded = upgrade_checked(archive, to, obj.project)
    if not steps:
        click.echo(f"{file}: already at format {source}; nothing to do")
        return
    if out is None:
        if file == "-":
            raise tk_errors.UsageError("reading stdin: say where to write with -o PATH (or -o -)")
        out = str(upgraded_path(file, source, steps[-1].target))
    if not obj.quiet:
        for st in steps:
            click.echo(st.description, err=out == "-")
    result = write_archive(upgraded, out)
    click.echo(f"{file} → {out}: format {source} → {steps[-1].target}, "
               f"{sum(result.counts.values())} records in {len(result.counts)} modules",
               err=out == "-")
    for note in upgraded.notes:
        click.echo(f"  note: {note}", err=out == "-")


# ---------------------------------------------------------------- import
@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@db_option
@click.option("--conflict", type=click.Choice(["error", "skip", "overwrite"]), default="error",
              show_default=True,
              help="A row with the same natural key exists: stop (error), keep it (skip), "
                   "or update it with every archive field (overwrite).")
@click.option("--dry-run", is_flag=True,
              help="Do everything, then roll back: the report of a real run, nothing written.")
@click.option("--report", "report_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the report as JSON to FILE.")
@click.option("--replace", is_flag=True,
              help="Empty the archive's modules first and restore them (same transaction).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --replace (for scripts).")
@pass_ctx
def import_(obj: Ctx, file, db, conflict, dry_run, report_path, replace, yes):
    """Import an archive (JSON, .json.gz, Excel, - for stdin) into its system's database.

    The system comes from the archive; an older archive is upgraded to the
    database's format version on the way. All or nothing: one transaction.
    """
    from toolkit.importer import import_archive
    from toolkit.reader import open_archive
    from toolkit.validate import schema_for

    archive = open_archive(file)
    system = schema_for(archive.header, obj.project, archive.source).system
    url = obj.url(system, db)
    if replace and not dry_run and not yes:
        what = f"every row of the archive's modules in {tk_config.mask_url(url)}"
        if not sys.stdin.isatty():
            raise tk_errors.UsageError(f"--replace deletes {what}; add --yes to confirm "
                                       "when not on a terminal")
        click.confirm(f"Delete {what} and restore them from {file}?", abort=True, err=True)
    try:
        report = import_archive(archive, url, conflict=conflict, dry_run=dry_run,
                                replace=replace, project=obj.project,
                                progress=_import_progress() if obj.progress() else None)
    except ToolkitError as exc:
        for p in getattr(exc, "problems", ()):
            click.echo(str(p), err=True)
        failed = getattr(exc, "report", None)
        if failed is not None:
            if failed.conflicts and not obj.quiet:
                for line in failed.lines():
                    click.echo(line, err=True)
            if report_path:
                _write_report(report_path, {**failed.to_dict(), "error": str(exc)})
        raise
    if not obj.quiet:
        for line in report.lines():
            click.echo(line)
    click.echo(report.summary())
    if report_path:
        _write_report(report_path, report.to_dict())


def _import_progress():
    """Rows so far per module on one stderr line (only on a terminal)."""
    def show(module: str, done: int, total):
        of = f"/{total}" if total is not None else ""
        click.echo(f"\r\x1b[K  {module}: {done}{of}", err=True, nl=False)
        if total is not None and done >= total:
            click.echo("\r\x1b[K", err=True, nl=False)
    return show


def _write_report(path: str, data: dict) -> None:
    import json

    from toolkit.writer import atomic_output

    with atomic_output(path) as out:
        out.write((json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode())


# ---------------------------------------------------------------- check
@cli.command()
@click.option("--db", "servers", multiple=True, metavar="URL",
              help="Also compare on a scratch database created on this PostgreSQL/MariaDB "
                   "server (repeatable; default: env TOOLKIT_TEST_POSTGRES_URL).")
@pass_ctx
def check(obj: Ctx, servers):
    """CI: models, Alembic revisions, format schemas and steps agree (exit 1 on drift)."""
    from toolkit import check as checking

    drifts = checking.check(obj.project, tuple(servers) or checking.default_servers())
    for d in drifts:
        click.echo(str(d))
    if drifts:
        click.echo(f"{len(drifts)} drift{'s' if len(drifts) != 1 else ''} found")
        click.get_current_context().exit(1)
    click.echo("ok: models, revisions, schemas and steps agree")


# ---------------------------------------------------------------- new-version
@cli.command("new-version")
@system_option
@click.option("-m", "--message", "message", metavar="MSG",
              help="What changed (becomes the revision's message).")
@click.option("--regenerate", is_flag=True,
              help="Instead: rewrite the newest, not yet released schema from the models.")
@pass_ctx
def new_version(obj: Ctx, system, message, regenerate):
    """After changing the models: next revision, schema and a step stub to fill in."""
    from toolkit import new_version as nv

    tk_config.get_system(system)
    if regenerate:
        path = nv.regenerate_head(system, obj.project)
        click.echo(f"{system}: rewrote {path} from the models")
        return
    if not message:
        raise tk_errors.UsageError("say what changed with -m MESSAGE")
    made = nv.new_version(system, message, obj.project)
    click.echo(f"{system}: format {made.version} = revision {made.revision}")
    for change in made.changes:
        click.echo(f"  {change}")
    click.echo(f"  wrote {made.revision_file}\n  wrote {made.schema_file}\n"
               f"  stubbed the {made.version} step in {made.steps_file}")
    for w in made.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo("next: review the revision, write the step, run `toolkit check` and the tests")


def _set_quiet(ctx, _param, value):
    if value:
        obj = ctx.find_object(Ctx)
        if obj is not None:
            obj.quiet = True


def _quiet_everywhere(group: click.Group) -> None:
    """``--quiet`` after the verb too (``toolkit export --quiet``), as cron lines are written."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _quiet_everywhere(command)
        elif not any(p.name == "quiet" for p in command.params):
            command.params.append(click.Option(
                ["--quiet", "-q"], is_flag=True, expose_value=False, is_eager=True,
                callback=_set_quiet, help="No progress, only errors and the summary line."))


def main() -> None:
    cli(prog_name="toolkit")


_quiet_everywhere(cli)  # after every command is defined

if __name__ == "__main__":
    main()
