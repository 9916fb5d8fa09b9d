"""The body of every system's ``migrations/<system>/env.py``.

The system is the ini section Alembic was started with (``alembic -n tiku``),
so one env serves every system. The URL is resolved exactly as ``toolkit``
resolves it, with ``-x db=URL`` as the command-line override. A caller that
already holds a connection (tests, ``toolkit db``) passes it in
``config.attributes["connection"]``.
"""
from __future__ import annotations

from pathlib import Path

from toolkit import config as tk_config

# MariaDB reflects some types differently from how they were declared
# (JSON is LONGTEXT, Boolean is TINYINT(1), DATETIME(6) loses its variant).
# These are not schema changes; this is the one place that says so.
_MYSQL_NOISE = {
    ("JSON", "LONGTEXT"), ("BOOLEAN", "TINYINT"), ("DATETIME", "DATETIME"),
    ("TEXT", "LONGTEXT"), ("ENUM", "ENUM"),
}


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    if context.dialect.name in ("mysql", "mariadb"):
        pair = (type(metadata_type.as_generic() if _generic_ok(metadata_type) else metadata_type)
                .__name__.upper(), type(inspected_type).__name__.upper())
        if pair in _MYSQL_NOISE:
            return False
    return None  # Alembic's default comparison


def _generic_ok(t) -> bool:
    try:
        t.as_generic()
        return True
    except NotImplementedError:
        return False


def run(context) -> None:
    cfg = context.config
    system = tk_config.get_system(_system_name(cfg))
    target_metadata = system.metadata
    opts = dict(
        target_metadata=target_metadata,
        compare_type=compare_type,
        compare_server_default=False,
    )
    if context.is_offline_mode():
        url = _url(context, cfg, system.name)
        context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                          render_as_batch=url.startswith("sqlite"), **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    connection = cfg.attributes.get("connection")
    if connection is not None:
        _run_online(context, connection, opts)
        return
    create = bool(cfg.attributes.get("create", True))
    engine = tk_config.make_engine(_url(context, cfg, system.name), create=create, migrating=True)
    try:
        with engine.connect() as connection:
            _run_online(context, connection, opts)
    finally:
        engine.dispose()


def _system_name(cfg) -> str:
    """The ini section (``alembic -n tiku``), or, under Flask-Migrate, whose
    config has no such section, the script directory's name (migrations/tiku)."""
    from toolkit import systems

    if cfg.config_ini_section in systems.names():
        return cfg.config_ini_section
    location = cfg.get_main_option("script_location")
    return Path(location).name if location else cfg.config_ini_section


def _run_online(context, connection, opts) -> None:
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite",
                      transaction_per_migration=False, **opts)
    with context.begin_transaction():
        context.run_migrations()


def _url(context, cfg, system: str) -> str:
    x = context.get_x_argument(as_dictionary=True)
    url = x.get("db") or cfg.attributes.get("url")
    project = tk_config.Project(Path(cfg.config_file_name).resolve()) if cfg.config_file_name else None
    return tk_config.resolve_url(system, url, project)
