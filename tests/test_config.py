"""URL resolution and project discovery (DESIGN.md "Database URL")."""
from __future__ import annotations

import pytest

from tests.databases import REPO
from toolkit import config
from toolkit.errors import ConfigError, DatabaseError


def test_url_order_flag_env_ini_default(tmp_path, monkeypatch):
    ini = tmp_path / "alembic.ini"
    ini.write_text("[tiku]\nsqlalchemy.url = sqlite:///from_ini.db\n[dudao]\n", encoding="utf-8")
    project = config.Project(ini)
    monkeypatch.delenv("TIKU_DATABASE_URL", raising=False)
    monkeypatch.delenv("DUDAO_DATABASE_URL", raising=False)
    assert config.resolve_url("dudao", None, project) == "sqlite:///instance/dudao.db"
    assert config.resolve_url("tiku", None, project) == "sqlite:///from_ini.db"
    monkeypatch.setenv("TIKU_DATABASE_URL", "sqlite:///from_env.db")
    assert config.resolve_url("tiku", None, project) == "sqlite:///from_env.db"
    assert config.resolve_url("tiku", "sqlite:///flag.db", project) == "sqlite:///flag.db"


def test_plain_urls_map_to_psycopg3_and_pymysql():
    assert config.normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert config.normalize_url("mysql://root@h/db") == "mysql+pymysql://root@h/db?charset=utf8mb4"
    assert config.mask_url("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"


def test_missing_sqlite_file_is_an_error_unless_creating(tmp_path):
    url = f"sqlite:///{tmp_path / 'a' / 'b.db'}"
    with pytest.raises(DatabaseError, match="does not exist"):
        config.make_engine(url)
    config.make_engine(url, create=True).dispose()
    assert (tmp_path / "a").is_dir()


def test_project_is_found_by_flag_env_or_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    assert config.find_project().ini == (REPO / "alembic.ini").resolve()
    with pytest.raises(ConfigError, match="not found"):
        config.find_project(tmp_path / "missing.ini")
    monkeypatch.setenv("TOOLKIT_CONFIG", str(REPO))
    assert config.find_project().root == REPO.resolve()
