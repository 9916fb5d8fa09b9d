"""toolkit import, part 2: merge into a database that has data.

Deployments A (the target) and B (the archive) start from the same seed and
then diverge: each adds rows whose ids collide with the other's, B changes a
few shared rows. References are checked through natural keys
(:func:`tests.importing.resolved`), so a remapped id pointing at the wrong
row cannot pass.
"""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests import importing
from tests.databases import PROJECT
from toolkit import config as tk_config
from toolkit.cli import cli
from toolkit.errors import DataError
from toolkit.importer import import_archive

LATER = datetime(2030, 1, 1, 9, 0, 0)

# (operation, table, source row id, changes): "clone" copies a row under new values
CHANGES = {
    "tiku": {
        "A": [
            ("clone", "users", 5, {"id": 101, "username": "a_only_1"}),
            ("clone", "users", 5, {"id": 102, "username": "a_only_2"}),
            ("clone", "users", 5, {"id": 103, "username": "a_only_3"}),
            ("clone", "categories", 2, {"id": 31, "code": "CA1", "parent_id": 1}),
            ("clone", "questions", 1, {"id": 1001, "code": "QA0001"}),
        ],
        "B": [
            ("update", "users", 2, {"real_name": "B 改过"}),
            ("update", "questions", 3, {"stem": "B 改过的题干"}),
            ("clone", "users", 6, {"id": 101, "username": "b_only_1"}),
            ("clone", "users", 6, {"id": 102, "username": "b_only_2"}),
            ("clone", "users", 6, {"id": 103, "username": "b_only_3"}),
            ("clone", "users", 6, {"id": 104, "username": "b_only_4"}),
            # a tree whose child comes before its parent in id order
            ("clone", "categories", 2, {"id": 32, "code": "CB1", "parent_id": 1}),
            ("clone", "categories", 2, {"id": 31, "code": "CB2", "parent_id": 32}),
            ("clone", "questions", 1, {"id": 1001, "code": "QB0001", "category_id": 31}),
            ("clone", "questions", 1, {"id": 1002, "code": "QB0002"}),
            ("clone", "question_knowledge", 1, {"id": 5001, "question_id": 1001}),
            ("clone", "practices", 1, {"id": 1001, "user_id": 101, "started_at": LATER}),
            ("clone", "practice_details", 1, {"id": 20001, "practice_id": 1001,
                                              "question_id": 1001}),
            ("clone", "mistakes", 1, {"id": 5001, "user_id": 102, "question_id": 1002}),
        ],
    },
    "dudao": {
        "A": [
            ("clone", "users", 50, {"id": 61, "username": "a_only_1"}),
            ("clone", "students", 1, {"id": 301, "student_no": "SA0001", "user_id": 61,
                                      "latest_log_id": None}),
            ("clone", "supervision_logs", 1, {"id": 1575, "student_id": 301}),
            ("update", "students", 301, {"latest_log_id": 1575}),
        ],
        "B": [
            ("update", "students", 2, {"name": "B 改过"}),
            ("clone", "users", 51, {"id": 61, "username": "b_only_1"}),
            ("clone", "users", 51, {"id": 62, "username": "b_only_2"}),
            ("clone", "students", 1, {"id": 301, "student_no": "SB0001", "user_id": 62,
                                      "latest_log_id": None}),
            ("clone", "supervision_logs", 1, {"id": 1575, "student_id": 301}),
            ("clone", "supervision_logs", 1, {"id": 1576, "student_id": 301,
                                              "logged_at": LATER}),
            ("update", "students", 301, {"latest_log_id": 1576}),
            ("clone", "module_categories", 2, {"id": 28, "code": "MB2", "parent_id": 27}),
            ("clone", "module_categories", 1, {"id": 27, "code": "MB1"}),
        ],
    },
}


def change(url: str, system: str, ops) -> None:
    schema = importing.schema_of(url, system)
    engine = tk_config.make_engine(url)
    try:
        with engine.begin() as c:
            for op, key, row_id, values in ops:
                table = schema.table(key)
                if op == "update":
                    c.execute(table.update().where(table.c.id == row_id).values(values))
                    continue
                row = dict(c.execute(sa.select(table).where(table.c.id == row_id)).one()._mapping)
                parent = values.get("parent_id")
                if parent is not None and c.execute(sa.select(table.c.id).where(
                        table.c.id == parent)).first() is None:
                    # a parent not there yet: insert without it, set it after
                    c.execute(table.insert().values({**row, **values, "parent_id": None}))
                    ops.append(("update", key, values["id"], {"parent_id": parent}))
                else:
                    c.execute(table.insert().values({**row, **values}))
    finally:
        engine.dispose()


@pytest.fixture
def deployments(server, tmp_path):
    """(url of A, url of B, path of B's archive) for a system."""
    def make(system: str):
        a = server.database(system, seeded=True)
        b = server.database(system, seeded=True)
        change(a, system, list(CHANGES[system]["A"]))
        change(b, system, list(CHANGES[system]["B"]))
        path = tmp_path / f"{system}-b.json"
        importing.export_file(b, system, path)
        return a, b, path
    return make


def run(*args):
    return CliRunner().invoke(cli, ["--config", str(PROJECT.ini), *args])


def _passwords(url: str) -> dict[str, str]:
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as c:
            return dict(c.execute(sa.text("SELECT username, password_hash FROM users")).all())
    finally:
        engine.dispose()


@pytest.mark.parametrize("system", ["tiku", "dudao"])
@pytest.mark.parametrize("policy", ["skip", "overwrite"])
def test_merge_b_into_a(backend, deployments, system, policy):
    a, b, path = deployments(system)
    ra, rb = importing.resolved(a, system), importing.resolved(b, system)
    before_pw = _passwords(a)
    result = run("import", str(path), "--db", a, "--conflict", policy)
    assert result.exit_code == 0, result.output
    merged = importing.resolved(a, system)
    for key in ra:
        expected = {**rb[key], **ra[key]} if policy == "skip" else {**ra[key], **rb[key]}
        assert merged[key] == expected, key  # every reference through natural keys
    # counts per module
    report = import_archive(path, a, conflict=policy, dry_run=True, project=PROJECT)
    for m in report.modules:
        shared = set(ra[m.key]) & set(rb[m.key])
        assert m.inserted == 0, m  # second run: nothing new
        if policy == "skip":
            assert m.skipped == len(rb[m.key])
        else:
            assert (m.updated, m.unchanged) == (0, len(rb[m.key])), m
        assert shared <= set(merged[m.key])
    # secrets: existing accounts keep their hash, new ones cannot log in
    after_pw = _passwords(a)
    assert all(after_pw[u] == h for u, h in before_pw.items())
    new_users = set(after_pw) - set(before_pw)
    assert new_users and all(after_pw[u].startswith("!") for u in new_users)
    # colliding ids were remapped: B's b_only_1 has id 101 (tiku) / 61 (dudao) in B,
    # which A already used for a_only_1
    engine = tk_config.make_engine(a)
    with engine.connect() as c:
        ids = dict(c.execute(sa.text("SELECT username, id FROM users WHERE username "
                                     "IN ('a_only_1', 'b_only_1')")).all())
    engine.dispose()
    assert ids["a_only_1"] != ids["b_only_1"]


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_merge_counts_first_run(backend, deployments, system):
    a, b, path = deployments(system)
    ra, rb = importing.resolved(a, system), importing.resolved(b, system)
    for policy in ("error", "skip", "overwrite"):
        report = import_archive(path, a, conflict=policy, dry_run=True, project=PROJECT) \
            if policy != "error" else None
        if policy == "error":
            before = importing.dump(a, system)
            with pytest.raises(DataError) as info:
                import_archive(path, a, project=PROJECT)
            assert importing.dump(a, system) == before
            report = info.value.report
            assert "already exists" in str(info.value) and "data.users[0]" in str(info.value)
        for m in report.modules:
            shared = set(ra[m.key]) & set(rb[m.key])
            new = set(rb[m.key]) - set(ra[m.key])
            assert m.inserted == len(new), (policy, m)
            if policy == "error":
                assert m.conflicting == len(shared), m
            elif policy == "skip":
                assert m.skipped == len(shared), m
            else:
                differing = {k for k in shared if ra[m.key][k] != rb[m.key][k]}
                assert (m.updated, m.unchanged) == (len(differing), len(shared - differing)), m


@pytest.mark.parametrize("system", ["tiku", "dudao"])
@pytest.mark.parametrize("policy", ["skip", "overwrite"])
def test_second_import_changes_nothing(backend, deployments, system, policy):
    a, _, path = deployments(system)
    import_archive(path, a, conflict=policy, project=PROJECT)
    before = importing.dump(a, system)
    report = import_archive(path, a, conflict=policy, project=PROJECT)
    assert importing.dump(a, system) == before
    assert report.total("inserted") == report.total("updated") == 0


# ------------------------------------------------------------------ partial archives
def test_modules_archive_resolves_refs_in_target(backend, server, tmp_path):
    source = server.database("tiku", seeded=True)
    change(source, "tiku", [("clone", "questions", 1, {"id": 1001, "code": "QB0001"})])
    path = tmp_path / "questions.json"
    importing.export_file(source, "tiku", path, modules=["questions"])
    target = server.database("tiku", seeded=True)
    change(target, "tiku", [("clone", "question_books", 1, {"id": 11, "title": "A 的题本"}),
                            ("update", "questions", 5, {"book_id": 11})])
    result = run("import", str(path), "--db", target, "--conflict", "skip")
    assert result.exit_code == 0, result.output
    rs, rt = importing.resolved(source, "tiku"), importing.resolved(target, "tiku")
    assert rt["questions"][("QB0001",)] == rs["questions"][("QB0001",)]


def test_missing_reference_is_refused_and_nothing_changes(backend, server, tmp_path):
    source = server.database("tiku", seeded=True)
    change(source, "tiku", [
        ("clone", "categories", 2, {"id": 31, "code": "CNEW", "parent_id": 1}),
        ("clone", "questions", 1, {"id": 1001, "code": "QB0001", "category_id": 31})])
    path = tmp_path / "questions.json"
    importing.export_file(source, "tiku", path, modules=["questions"])
    target = server.database("tiku", seeded=True)
    before = importing.dump(target, "tiku")
    result = run("import", str(path), "--db", target, "--conflict", "skip")
    assert result.exit_code == 1
    assert "data.questions[1000] (id 1001) field category_id" in result.output
    assert "CNEW" in result.output
    assert importing.dump(target, "tiku") == before


@pytest.mark.parametrize("system", ["tiku", "dudao"])
def test_since_archive_imports_into_another_database(backend, server, tmp_path, system):
    source = server.database(system, seeded=True)
    clones = [(o, t, i, {**v, "created_at": LATER})
              for o, t, i, v in CHANGES[system]["B"] if o == "clone"]
    new = {(t, v["id"]) for _, t, _, v in clones}
    updates = [op for op in CHANGES[system]["B"] if op[0] == "update" and op[1:3] in new]
    change(source, system, clones + updates)
    path = tmp_path / "since.json"
    importing.export_file(source, system, path, since=datetime(2029, 1, 1))
    target = server.database(system, seeded=True)
    # modules without a timestamp travel whole: skip the rows the target has
    result = run("import", str(path), "--db", target, "--conflict", "skip")
    assert result.exit_code == 0, result.output
    rs, rt = importing.resolved(source, system), importing.resolved(target, system)
    assert rt == rs
