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
from toolkit.errors import ToolkitError


class _Failure(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            raise _Failure(str(exc), exc.exit_code) from exc
        except OperationalError as exc:
            raise _Failure(f"cannot reach the database: {_one_line(exc)}", 1) from exc
        except DBAPIError as exc:
            raise _Failure(f"the database refused: {_one_line(exc)}", 1) from exc


class Ctx:
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

system_option = click.option("--system", "-s", "system", required=True,
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


def _say_current(obj: Ctx, system: str, db: str | None, always: bool = False) -> None:
    from toolkit import migrate

    tk_config.get_system(system)
    if obj.quiet and not always:
        return
    engine = tk_config.make_engine(obj.url(system, db))
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
    engine = tk_config.make_engine(obj.url(system, db))
    try:
        with engine.begin() as conn:
            _require_head(conn, sys_.name, obj)
            counts = seeding.seed(conn, sys_, scale, allow_non_empty=force)
    finally:
        engine.dispose()
    total = sum(counts.values())
    if not obj.quiet:
        for m in sys_.modules:
            click.echo(f"  {m.key:<24} {m.label:<8} {counts[m.key]:>9}")
    click.echo(f"{system}: seeded {total} rows in {len(counts)} modules (scale {scale})")


def _require_head(conn, system: str, obj: Ctx) -> None:
    from toolkit import migrate
    from toolkit.errors import DatabaseError

    rev = migrate.current_revision(conn)
    if rev not in migrate.heads(system, obj.project):
        raise DatabaseError(f"{system} database is at revision {rev or '(none)'}, not at head",
                            hint=f"run `toolkit db upgrade --system {system}` first")


def main() -> None:
    cli(prog_name="toolkit")


if __name__ == "__main__":
    main()
