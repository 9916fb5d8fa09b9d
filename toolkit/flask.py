"""Flask integration: ``flask migrate …`` and Flask-Migrate on our revisions.

    from flask_migrate import Migrate
    from toolkit.flask import init_app as init_toolkit

    migrate = Migrate(app, db)
    init_toolkit(app, "tiku", migrate=migrate)

registers the group ``flask migrate`` with ``export``, ``import``, ``status``,
``validate`` and ``upgrade-archive`` — the toolkit's own commands, taking the
same options, with the system and the database (``SQLALCHEMY_DATABASE_URI``)
taken from the app — and points Flask-Migrate at ``migrations/<system>/`` so
``flask db upgrade`` runs the same revisions as ``toolkit db upgrade``.
Install with ``pip install gongkao-toolkit[flask]``.
"""
from __future__ import annotations

import click

from toolkit import cli as tk_cli
from toolkit import config as tk_config

COMMANDS = ("export", "import", "status", "validate", "upgrade-archive")


class AppCtx(tk_cli.Ctx):
    """The toolkit's command context, with the system and database of an app."""

    def __init__(self, app, system: str, config_path: str | None, quiet: bool):
        super().__init__(config_path, quiet)
        self.app = app
        self.default_system = system

    def url(self, system: str, db: str | None) -> str:
        return tk_config.resolve_url(system, db or self.app.config.get("SQLALCHEMY_DATABASE_URI"),
                                     self.project)


def init_app(app, system: str, *, migrate=None, config: str | None = None,
             name: str = "migrate") -> click.Group:
    """Register ``flask <name>`` for ``system`` on ``app`` (and wire Flask-Migrate)."""
    tk_config.get_system(system)
    project = tk_config.find_project(config)
    if migrate is not None:
        migrate.directory = str(project.migrations(system))

        @migrate.configure
        def _app_database(alembic_cfg):
            alembic_cfg.attributes["url"] = app.config["SQLALCHEMY_DATABASE_URI"]
            return alembic_cfg

    @click.group(name, cls=tk_cli._Group)
    @click.option("--quiet", "-q", is_flag=True, help="No progress, only errors and the summary.")
    @click.pass_context
    def group(ctx, quiet):
        """Back up, restore and check this app's data (gongkao-toolkit)."""
        ctx.obj = AppCtx(app, system, str(project.ini), quiet)

    for command in COMMANDS:
        if command in tk_cli.cli.commands:
            group.add_command(tk_cli.cli.commands[command])
    app.cli.add_command(group)
    return group
