"""Backend fixtures: every test that takes ``backend`` runs on SQLite,
PostgreSQL and MariaDB (``@pytest.mark.backends(...)`` narrows it).

PostgreSQL and MariaDB come from TOOLKIT_TEST_POSTGRES_URL and
TOOLKIT_TEST_MYSQL_URL. Unset or unreachable: their tests skip with the
reason, except under CI=true, where that fails the run.
"""
from __future__ import annotations

import os

import pytest

from tests import databases
from tests.databases import BACKENDS, ENV


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        names = marker.args if marker else BACKENDS
        metafunc.parametrize("backend", names)


_servers: dict[str, databases.Server | str] = {}


@pytest.fixture(scope="session")
def _server_pool(tmp_path_factory):
    yield _servers
    for server in _servers.values():
        if isinstance(server, databases.Server):
            server.drop_all()


@pytest.fixture
def server(backend, _server_pool, tmp_path_factory) -> databases.Server:
    """The engine's server, for making fresh databases."""
    if backend not in _server_pool:
        if backend == "sqlite":
            _server_pool[backend] = databases.SqliteServer(tmp_path_factory.mktemp("sqlite"))
        else:
            url = os.environ.get(ENV[backend])
            reason = f"{ENV[backend]} is not set" if not url else databases.reachable(url)
            if reason:
                _server_pool[backend] = reason
            else:
                cls = databases.PostgresServer if backend == "postgresql" else databases.MysqlServer
                _server_pool[backend] = cls(tmp_path_factory.mktemp(backend), url)
    found = _server_pool[backend]
    if isinstance(found, str):
        message = f"{backend} unavailable: {found}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: every engine must be tested)")
        pytest.skip(message)
    return found


@pytest.fixture
def engines():
    """Engines made in a test are disposed after it (so databases can be dropped)."""
    made = []

    def make(url: str):
        from toolkit import config as tk_config

        engine = tk_config.make_engine(url)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()
