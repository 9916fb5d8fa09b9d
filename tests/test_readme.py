"""Every ```sh block of the README runs, in order, as a user would type it.

The blocks form one walk-through: a project folder (alembic.ini, migrations/,
dataformat/) in a scratch directory, SQLite by default, and $NEW_DB,
$OLD_APP_DB, $BRANCH_DB pointing at databases of the engine under test.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import insert, text

from tests.databases import REPO
from toolkit import config, systems

BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def readme_blocks() -> list[str]:
    return BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def _count(url: str, table: str, where: str = "") -> int:
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM {table} {where}")).scalar()
    finally:
        engine.dispose()


def test_readme_has_runnable_blocks():
    blocks = readme_blocks()
    assert len(blocks) >= 6
    assert any("toolkit import" in b for b in blocks) and any("toolkit export" in b for b in blocks)


def test_every_readme_command_runs(backend, server, tmp_path):
    for name in ("alembic.ini", "migrations", "dataformat"):
        (tmp_path / name).symlink_to(REPO / name)
    new_db = server.empty()
    old_app_db = server.database("tiku", "tiku_0001")
    engine = config.make_engine(old_app_db)
    with engine.begin() as conn:  # a database the apps made before the toolkit: no revision
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    branch_db = server.database("tiku", seeded=True)
    users = systems.get("tiku").metadata.tables["users"]
    engine = config.make_engine(branch_db)
    with engine.begin() as conn:
        conn.execute(insert(users).values(
            id=9001, username="分校B_新学员", password_hash="x", role="student", is_active=True,
            created_at=__import__("datetime").datetime(2026, 3, 20, 9, 0)))
    engine.dispose()

    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.pop("TOOLKIT_CONFIG", None)
    env.update(NEW_DB=new_db, OLD_APP_DB=old_app_db, BRANCH_DB=branch_db,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    for i, block in enumerate(readme_blocks()):
        started = time.perf_counter()
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        print(f"block {i}: {time.perf_counter() - started:.1f} s")
        out = done.stdout + done.stderr
        assert done.returncode == 0, f"README block {i} failed:\n{block}\n---\n{out}"
        assert "Traceback" not in out

    local = f"sqlite:///{tmp_path / 'instance' / 'tiku.db'}"
    # moved: the new database holds every user of the old one (the merge added one since)
    assert _count(new_db, "users") == _count(local, "users") - 1 > 0
    assert _count(new_db, "practice_details") == _count(local, "practice_details") > 0
    # merged: branch B's new user arrived, nothing was duplicated
    assert _count(local, "users", "WHERE username = '分校B_新学员'") == 1
    # adopted and upgraded
    assert _count(old_app_db, "exam_paper_questions") == 0
    for name in ("tiku-full.json.gz", "tiku-since-0315.json", "题库.xlsx", "tiku-sample-1.2.json"):
        assert (tmp_path / "backups" / name).is_file(), name
