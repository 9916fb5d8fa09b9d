"""extract: a database snapshot → the archive of its format version, on every engine.

Records are compared with the database rows field by field; --since, -m and
refs against what the database says; a concurrent writer during the export.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest
import sqlalchemy as sa

from tests.databases import PROJECT
from toolkit import config as tk_config
from toolkit import migrate, versions
from toolkit.errors import UsageError
from toolkit.extract import extract, parse_since, snapshot
from toolkit.writer import write_archive

EDGE_TEXT = ["", "=SUM(A1:A3)", "+86 138", "-1 是负数", "@考生", "\t缩进", "表情😀 和 𠀀",
             "行一\n行二", " 前后空格 "]


# ------------------------------------------------------------------ helpers
def schema_of(url: str):
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            return versions.for_revision(url_system(conn), migrate.current_revision(conn), PROJECT)
    finally:
        engine.dispose()


def url_system(conn) -> str:
    rev = migrate.current_revision(conn)
    return rev.split("_")[0]


def run_extract(url: str, **kw):
    """(header, data) of the database at ``url``, fully read inside the snapshot."""
    engine = tk_config.make_engine(url)
    try:
        with snapshot(engine) as conn:
            schema = versions.for_revision(url_system(conn), migrate.current_revision(conn),
                                           PROJECT)
            header, data = extract(conn, schema, **kw).to_data()
    finally:
        engine.dispose()
    return schema, header, data


def db_rows(url: str, schema, key: str) -> dict[int, dict]:
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            t = schema.table(key)
            return {r.id: dict(r._mapping) for r in conn.execute(sa.select(t))}
    finally:
        engine.dispose()


def same_value(kind: str, archived, stored) -> bool:
    """The archive value means exactly the stored one (types checked, not only text)."""
    if stored is None:
        return archived is None
    if kind == "datetime":
        return isinstance(archived, str) and datetime.fromisoformat(archived) == stored
    if kind == "date":
        return archived == stored.isoformat()
    if kind == "decimal":
        return isinstance(archived, str) and Decimal(archived) == stored
    if kind == "boolean":
        return archived is bool(stored)
    return archived == stored and type(archived) is type(stored)


def assert_records_equal_rows(url: str, schema, data: dict) -> None:
    for key, records in data.items():
        spec = schema.module(key)
        rows = db_rows(url, schema, key)
        for rec in records:
            assert set(rec) == set(spec.exported_fields), key
            row = rows[rec["id"]]
            for name in spec.exported_fields:
                assert same_value(spec.fields[name].kind, rec[name], row[name]), \
                    (key, rec["id"], name, rec[name], row[name])


def clone_row(conn, schema, key: str, source_id: int, **changes) -> int:
    """Insert a copy of a row with ``changes`` (a new id unless given); returns its id."""
    t = schema.table(key)
    row = dict(conn.execute(sa.select(t).where(t.c.id == source_id)).one()._mapping)
    row["id"] = changes.pop("id", None) or conn.execute(sa.select(sa.func.max(t.c.id))).scalar() + 1
    row.update(changes)
    conn.execute(t.insert(), [row])
    return row["id"]


def sample_value(spec, name: str, n: int):
    """A value of a field's kind, for filling a database at an old revision."""
    kind = spec.fields[name].kind
    prop = spec.schema["properties"][name]
    return {
        "integer": n, "boolean": True, "number": 1.5, "decimal": Decimal("1"),
        "datetime": datetime(2026, 1, 2, 3, 4, 5, 123456), "date": date(2026, 1, 2),
        "json": {"a": [1, "中文😀"]}, "binary": b"\x00\x01",
        "enum": (prop.get("enum") or ["x"])[0],
    }.get(kind, f"v{n}𠀀"[: prop.get("maxLength", 100)])


def fill_one_per_module(url: str, schema) -> None:
    """One row per module, every field set, FKs pointing at the rows before."""
    engine = tk_config.make_engine(url)
    try:
        with engine.begin() as conn:
            for spec in schema.modules:
                row = {name: sample_value(spec, name, 1) for name in spec.fields}
                row.update({fk: None for fk in spec.deferred})
                conn.execute(schema.table(spec.key).insert(), [row])
    finally:
        engine.dispose()


def every_secret(url: str, schema) -> list[str]:
    secrets = []
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            for spec in schema.modules:
                t = schema.table(spec.key)
                for name in spec.sensitive:
                    secrets += [v for (v,) in conn.execute(sa.select(t.c[name])) if v]
    finally:
        engine.dispose()
    return secrets


# ------------------------------------------------------------------ tests
def test_full_export_equals_rows_and_validates(server, backend):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:  # the edge cases, on top of the seed's own
        for i, text in enumerate(EDGE_TEXT):
            clone_row(conn, schema, "questions", 1, code=f"E{i:05d}", stem=f"x{text}",
                      analysis=text, options={"A": text, "B": [1, None, "𠀀"]},
                      score=Decimal("12.05"),
                      created_at=datetime(2026, 12, 4, 15, 4, 5, 120001 + i))
    engine.dispose()
    _, header, data = run_extract(url)
    assert header["version"] == schema.version and header["schema_revision"] == schema.revision
    assert header["scope"] == {"since": None, "modules": schema.module_keys,
                               "excluded_fields": {"users": ["password_hash"]}}
    assert header["counts"] == {k: len(v) for k, v in data.items()}
    assert header["refs"] == {}
    assert list(data) == schema.module_keys
    assert all("password_hash" not in r for r in data["users"])
    jsonschema.Draft202012Validator(schema.raw).validate({**header, "data": data})
    assert_records_equal_rows(url, schema, data)
    edge = {r["code"]: r for r in data["questions"] if r["code"].startswith("E")}
    assert [edge[f"E{i:05d}"]["analysis"] for i in range(len(EDGE_TEXT))] == EDGE_TEXT
    assert edge["E00000"]["created_at"] == "2026-12-04T15:04:05.120001"
    assert edge["E00000"]["score"] == "12.05"
    assert edge["E00000"]["options"] == {"A": "", "B": [1, None, "𠀀"]}
    # ids ascend: rows stream in id order
    assert all([r["id"] for r in v] == sorted(r["id"] for r in v) for v in data.values())


def test_1_0_database_exports_a_1_0_archive(server, backend):
    url = server.database("tiku", revision="tiku_0001")
    schema = schema_of(url)
    assert schema.version == "1.0"
    fill_one_per_module(url, schema)
    _, header, data = run_extract(url)
    assert header["version"] == "1.0"
    assert header["counts"] == {k: 1 for k in schema.module_keys}
    jsonschema.Draft202012Validator(schema.raw).validate({**header, "data": data})
    assert_records_equal_rows(url, schema, data)


def test_since_boundaries_and_refs(server, backend):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    ts = datetime(2030, 1, 1, 12, 0, 0)
    engine = tk_config.make_engine(url)
    users, cats, qs = (schema.table(k) for k in ("users", "categories", "questions"))
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == 2).values(created_at=ts, updated_at=None))
        conn.execute(users.update().where(users.c.id == 3)
                     .values(created_at=ts - timedelta(seconds=1), updated_at=None))
        conn.execute(users.update().where(users.c.id == 4).values(updated_at=ts))
        conn.execute(users.update().where(users.c.id == 5)
                     .values(updated_at=ts - timedelta(microseconds=1)))
        leaf = conn.execute(sa.select(cats.c.id, cats.c.parent_id)
                            .where(cats.c.level == 3).limit(1)).one()
        conn.execute(cats.update().where(cats.c.id == leaf.id).values(updated_at=ts))
        q = conn.execute(sa.select(qs).where(qs.c.book_id.isnot(None)).limit(1)).one()
        conn.execute(qs.update().where(qs.c.id == q.id).values(updated_at=ts))
    engine.dispose()

    for text in ("2030-01-01 12:00:00", "2030-01-01T12:00:00", "2030-01-01T12:00:00.000000"):
        _, header, data = run_extract(url, since=parse_since(text))
        assert header["scope"]["since"] == "2030-01-01T12:00:00"
        assert sorted(r["id"] for r in data["users"]) == [2, 4]  # 3 and 5 are just before
        assert [r["id"] for r in data["categories"]] == [leaf.id]
        assert [r["id"] for r in data["questions"]] == [q.id]
        assert header["counts"]["users"] == 2 and header["counts"]["practices"] == 0
    # the tree's parent, the question's category and book are referenced, not exported
    assert {"id": leaf.parent_id, "code": db_rows(url, schema, "categories")[leaf.parent_id]["code"]} \
        in header["refs"]["categories"]
    book = db_rows(url, schema, "question_books")[q.book_id]
    assert header["refs"]["question_books"] == [{"id": q.book_id, "title": book["title"]}]
    jsonschema.Draft202012Validator(schema.raw).validate({**header, "data": data})


def test_modules_with_nested_refs(server, backend):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    _, header, data = run_extract(url, modules=["practice_details", "users"])
    assert list(data) == ["users", "practice_details"]  # load order, not the order asked
    assert header["scope"]["modules"] == ["users", "practice_details"]
    practices = db_rows(url, schema, "practices")
    users = db_rows(url, schema, "users")
    questions = db_rows(url, schema, "questions")
    used = sorted({r["practice_id"] for r in data["practice_details"]})
    assert header["refs"]["practices"] == [
        {"id": p, "user_id": {"username": users[practices[p]["user_id"]]["username"]},
         "started_at": practices[p]["started_at"].isoformat()} for p in used]
    used_q = sorted({r["question_id"] for r in data["practice_details"]})
    assert header["refs"]["questions"] == [{"id": i, "code": questions[i]["code"]} for i in used_q]
    assert "users" not in header["refs"]  # exported whole: nothing to refer to
    jsonschema.Draft202012Validator(schema.raw).validate({**header, "data": data})


def test_deferred_cycle_refs(server, backend):
    url = server.database("dudao", seeded=True)
    schema = schema_of(url)
    _, header, data = run_extract(url, modules=["students"])
    logs = db_rows(url, schema, "supervision_logs")
    students = db_rows(url, schema, "students")
    used = sorted({r["latest_log_id"] for r in data["students"] if r["latest_log_id"]})
    assert used, "the seed fills students.latest_log_id"
    assert header["refs"]["supervision_logs"] == [
        {"id": i, "student_id": {"student_no": students[logs[i]["student_id"]]["student_no"]},
         "logged_at": logs[i]["logged_at"].isoformat()} for i in used]
    jsonschema.Draft202012Validator(schema.raw).validate({**header, "data": data})


def test_unknown_module_and_offset_refused():
    schema = versions.head("tiku", PROJECT)
    from toolkit.extract import select_modules

    with pytest.raises(UsageError) as err:
        select_modules(schema, ["users", "nope"])
    assert "nope" in str(err.value) and "practice_details (答题详情)" in str(err.value)
    for text in ("2026-12-04T15:04:05+08:00", "2026-12-04T15:04:05Z", "2026-12-04 15:04:05 +0800"):
        with pytest.raises(UsageError, match="time zone|not a timestamp"):
            parse_since(text)
    assert parse_since("2026-12-04") == datetime(2026, 12, 4)
    assert parse_since("2026-12-04 15:04:05.5") == datetime(2026, 12, 4, 15, 4, 5, 500000)


def test_rows_committed_during_export_are_wholly_out(server, backend, tmp_path):
    url = server.database("tiku", seeded=True)
    schema = schema_of(url)
    if backend == "sqlite":  # a reader and a writer at once need WAL on SQLite
        import sqlite3

        with sqlite3.connect(tk_config.sqlite_path(url)) as raw:
            raw.execute("PRAGMA journal_mode=WAL")
    writer = tk_config.make_engine(url)
    inserted = {}

    def progress(module, rows):
        if not inserted:  # after counts and refs, before any row streams
            with writer.begin() as conn:
                inserted["category"] = clone_row(conn, schema, "categories", 1, code="NEW01")
                inserted["user"] = clone_row(conn, schema, "users", 1, username="new_user")
                inserted["question"] = clone_row(conn, schema, "questions", 1, code="QNEW01",
                                                 category_id=inserted["category"])

    engine = tk_config.make_engine(url)
    try:
        with snapshot(engine) as conn:
            archive = extract(conn, schema, progress=progress, batch_size=50)
            result = write_archive(archive, tmp_path / "a.json")  # checks counts = records
    finally:
        engine.dispose()
        writer.dispose()
    assert inserted
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert result.counts == doc["counts"]
    ids = {k: {r["id"] for r in v} for k, v in doc["data"].items()}
    assert inserted["user"] not in ids["users"]
    assert inserted["question"] not in ids["questions"]
    assert inserted["category"] not in ids["categories"]
    for spec in schema.modules:  # no dangling reference
        for rec in doc["data"][spec.key]:
            for fk, target in spec.foreign_keys.items():
                assert rec[fk] is None or rec[fk] in ids[target], (spec.key, rec["id"], fk)


@pytest.mark.backends("sqlite")
def test_sqlite_datetimes_written_by_other_tools_export_as_iso(server, backend):
    """SQLite datetimes are read as stored text: SQLAlchemy's own format and
    the shorter forms other tools write both come out as datetime.isoformat()."""
    url = server.database("tiku", seeded=True)
    engine = tk_config.make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET last_login_at = '2026-03-01 08:00:00' WHERE id = 1")
        conn.exec_driver_sql("UPDATE users SET last_login_at = '2026-03-01 08:00:00.000000' "
                             "WHERE id = 2")
        conn.exec_driver_sql("UPDATE users SET last_login_at = '2026-03-01 08:00:00.012300' "
                             "WHERE id = 3")
        conn.exec_driver_sql("UPDATE users SET last_login_at = '2026-03-01T08:00:05' WHERE id = 4")
    schema = versions.for_revision("tiku", migrate.current(engine), PROJECT)
    with snapshot(engine) as conn:
        _, data = extract(conn, schema, modules=["users"]).to_data()
    engine.dispose()
    got = {r["id"]: r["last_login_at"] for r in data["users"] if r["id"] <= 4}
    assert got == {1: "2026-03-01T08:00:00", 2: "2026-03-01T08:00:00",
                   3: "2026-03-01T08:00:00.012300", 4: "2026-03-01T08:00:05"}
