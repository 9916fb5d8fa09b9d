"""`toolkit seed`: deterministic, realistic, every table, no dangling reference."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text

from tests.databases import REPO, seed_into
from toolkit import systems
from toolkit.cli import cli
from toolkit.errors import DataError


def _dangling(conn, system) -> list[str]:
    found = []
    for table in system.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent = fk.column.table.alias("parent")
            target = parent.c[fk.column.name]
            q = (select(func.count()).select_from(table.outerjoin(parent, fk.parent == target))
                 .where(fk.parent.is_not(None), target.is_(None)))
            n = conn.execute(q).scalar()
            if n:
                found.append(f"{table.name}.{fk.parent.name}: {n}")
    return found


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_seed_fills_every_table_without_dangling_references(backend, server, engines, system):
    sys_ = systems.get(system)
    engine = engines(server.database(system, seeded=True))
    with engine.connect() as conn:
        for m in sys_.modules:
            assert conn.execute(select(func.count()).select_from(sys_.metadata.tables[m.key])).scalar() > 0, m.key
        assert _dangling(conn, sys_) == []


def test_seed_is_deterministic(backend, server, engines):
    sys_ = systems.get("tiku")
    dumps = []
    for _ in range(2):
        engine = engines(server.database("tiku", seeded=False))
        url = str(engine.url.render_as_string(hide_password=False))
        seed_into("tiku", url)
        with engine.connect() as conn:
            dumps.append({t: conn.execute(select(sys_.metadata.tables[t]).order_by(text("id"))).all()
                          for t in ("users", "questions", "practices")})
    assert dumps[0] == dumps[1]


def test_rare_characters_survive_every_engine(backend, server, engines):
    sys_ = systems.get("tiku")
    users = sys_.metadata.tables["users"]
    engine = engines(server.database("tiku", seeded=True))
    with engine.connect() as conn:
        names = set(conn.execute(select(users.c.username)).scalars())
        texts = [t for (t,) in conn.execute(select(sys_.metadata.tables["questions"].c.stem))]
    assert any("😀" in n or "🎉" in n for n in names) or any("😀" in t for t in texts)
    assert any("𠀀" in t for t in texts) or any("𠀀" in n for n in names)


def test_usernames_differing_only_in_case_or_emoji_are_distinct(backend, server, engines):
    sys_ = systems.get("dudao")
    users = sys_.metadata.tables["users"]
    engine = engines(server.database("dudao"))
    base = dict(password_hash="x", role="student", is_active=True,
                created_at=__import__("datetime").datetime(2026, 1, 1))
    names = ["WangWu", "wangwu", "wangwu😀", "wangwu🎉", "wangwu𠀀"]
    with engine.begin() as conn:
        conn.execute(insert(users), [{"username": n, **base} for n in names])
    with engine.connect() as conn:
        assert sorted(conn.execute(select(users.c.username)).scalars()) == sorted(names)


def test_seed_refuses_a_database_with_rows(backend, server, engines):
    engine = engines(server.database("tiku", seeded=True))
    with engine.begin() as conn, pytest.raises(DataError, match="already has rows"):
        from toolkit import seed
        seed.seed(conn, systems.get("tiku"), 1)


def test_seed_command_prints_counts_with_chinese_names(backend, server, engines):
    url = server.database("dudao")
    result = CliRunner().invoke(cli, ["--config", str(REPO / "alembic.ini"), "seed",
                                      "--system", "dudao", "--db", url])
    assert result.exit_code == 0, result.output
    assert "学员" in result.output and "督学日志" in result.output
    again = CliRunner().invoke(cli, ["--config", str(REPO / "alembic.ini"), "seed",
                                     "--system", "dudao", "--db", url])
    assert again.exit_code == 1 and "already has rows" in again.output


@pytest.mark.backends("postgresql", "mysql")
def test_a_plain_insert_works_after_seeding(backend, server, engines):
    sys_ = systems.get("tiku")
    users = sys_.metadata.tables["users"]
    engine = engines(server.database("tiku", seeded=True))
    with engine.begin() as conn:
        conn.execute(insert(users).values(username="new_after_seed", password_hash="x",
                                          role="student", is_active=True,
                                          created_at=__import__("datetime").datetime(2026, 1, 1)))
