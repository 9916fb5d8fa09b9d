"""The revisions that move data (tiku_0002, tiku_0003, dudao_0002), on every engine.

Rows are inserted with Core at the revision before (through the tables that
version's committed schema describes), the database is upgraded, every row
is compared field by field, then it is downgraded and compared again.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.databases import PROJECT
from toolkit import migrate, versions
from toolkit.errors import DataError

T0 = datetime(2026, 1, 5, 8, 0, 0)
T1 = datetime(2026, 1, 6, 9, 30, 0, 123456)


def table(system: str, version: str, key: str) -> sa.Table:
    return versions.schema(system, version, PROJECT).table(key)


def filled(system: str, version: str, key: str, **values) -> dict:
    """A row with every NOT NULL column set (FKs → 1, strings unique per id), others NULL,
    then ``values``."""
    spec = versions.schema(system, version, PROJECT).module(key)
    rid = values.get("id", 1)
    defaults = {"integer": 1, "boolean": True, "decimal": Decimal("1.00"), "datetime": T0,
                "date": date(2026, 1, 1), "json": [], "text": "文本", "number": 1.0}
    row = {}
    for f in spec.fields.values():
        if f.nullable:
            row[f.name] = None
        elif f.kind in ("string", "enum"):
            row[f.name] = f"{f.name[:3]}{rid}"
        else:
            row[f.name] = defaults[f.kind]
    row["id"] = rid
    row.update(values)
    return row


def insert(engine, system: str, version: str, rows: dict[str, list[dict]]) -> None:
    with engine.begin() as conn:
        for key, recs in rows.items():
            conn.execute(table(system, version, key).insert(),
                         [filled(system, version, key, **r) for r in recs])


def read(engine, system: str, version: str, key: str) -> list[dict]:
    t = table(system, version, key)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def columns(engine, key: str) -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns(key)]


# ------------------------------------------------------------------ tiku 1.1
def test_tiku_0002_adds_source_and_year(server, engines):
    url = server.database("tiku", "tiku_0001")
    engine = engines(url)
    questions = [{"id": 1, "stem": "题干😀𠀀", "analysis": None}, {"id": 2, "stem": "第二题"}]
    insert(engine, "tiku", "1.0", {"categories": [{"id": 1}], "questions": questions})
    before = read(engine, "tiku", "1.0", "questions")

    migrate.upgrade("tiku", url, "tiku_0002", project=PROJECT)
    assert read(engine, "tiku", "1.1", "questions") == [
        {**q, "source": None, "year": None} for q in before]

    migrate.downgrade("tiku", url, "tiku_0001", project=PROJECT)
    engine.dispose()
    assert read(engine, "tiku", "1.0", "questions") == before
    assert "source" not in columns(engine, "questions")


# ------------------------------------------------------------------ tiku 1.2
PAPERS = [  # (id, question_ids, created_at); inserted out of id order on purpose
    (3, [2, 99, 1], T1),      # 99 names no question: dropped and reported
    (1, [3, 1, 2], T0),
    (2, [], T0),              # an empty list
    (4, [1, 1], T1),          # the same question twice is two positions
]
ANSWERS = {1: "A", 2: None, 3: "我的答案😀𠀀", 4: ""}


def _tiku_1_1_rows():
    return {
        "users": [{"id": 1, "username": "张三😀"}],
        "categories": [{"id": 1, "name": "行测"}],
        "questions": [{"id": i, "stem": f"第{i}题 𠀀", "source": "2023年国考" if i == 1 else None,
                       "year": 2023 if i == 1 else None} for i in (1, 2, 3)],
        "exam_papers": [{"id": pid, "title": f"2024年国考行测🎉{pid}", "question_ids": qids,
                         "created_at": at, "exam_date": None} for pid, qids, at in PAPERS],
        "practices": [{"id": 1, "user_id": 1, "started_at": T0},
                      {"id": 2, "user_id": 1, "started_at": T1}],
        # natural key (practice_id, question_id): detail 4 sits in practice 2
        "practice_details": [{"id": i, "practice_id": 1 if i < 4 else 2,
                              "question_id": i if i < 4 else 1, "seq": i, "answer": a,
                              "created_at": T1} for i, a in ANSWERS.items()],
    }


def test_tiku_0003_moves_question_lists_and_renames_answer(server, engines, caplog):
    url = server.database("tiku", "tiku_0002")
    engine = engines(url)
    insert(engine, "tiku", "1.1", _tiku_1_1_rows())
    papers_before = read(engine, "tiku", "1.1", "exam_papers")
    details_before = read(engine, "tiku", "1.1", "practice_details")
    questions_before = read(engine, "tiku", "1.1", "questions")
    assert [p["question_ids"] for p in papers_before] == [[3, 1, 2], [], [2, 99, 1], [1, 1]]

    with caplog.at_level(logging.WARNING):
        migrate.upgrade("tiku", url, "tiku_0003", project=PROJECT)
    engine.dispose()

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["exam_papers id 3: question id 99 at position 2 does not exist; "
                        "the entry is dropped"]
    assert read(engine, "tiku", "1.2", "exam_paper_questions") == [
        {"id": 1, "paper_id": 1, "question_id": 3, "position": 1, "created_at": T0},
        {"id": 2, "paper_id": 1, "question_id": 1, "position": 2, "created_at": T0},
        {"id": 3, "paper_id": 1, "question_id": 2, "position": 3, "created_at": T0},
        {"id": 4, "paper_id": 3, "question_id": 2, "position": 1, "created_at": T1},
        {"id": 5, "paper_id": 3, "question_id": 1, "position": 3, "created_at": T1},
        {"id": 6, "paper_id": 4, "question_id": 1, "position": 1, "created_at": T1},
        {"id": 7, "paper_id": 4, "question_id": 1, "position": 2, "created_at": T1},
    ]
    assert read(engine, "tiku", "1.2", "exam_papers") == [
        {k: v for k, v in p.items() if k != "question_ids"} for p in papers_before]
    assert "question_ids" not in columns(engine, "exam_papers")
    details = read(engine, "tiku", "1.2", "practice_details")
    assert details == [{("user_answer" if k == "answer" else k): v for k, v in d.items()}
                       for d in details_before]
    assert [d["user_answer"] for d in details] == ["A", None, "我的答案😀𠀀", ""]
    assert read(engine, "tiku", "1.2", "questions") == questions_before

    # the id counter moved past the migrated rows (PostgreSQL needs setval)
    links = table("tiku", "1.2", "exam_paper_questions")
    with engine.begin() as conn:
        new_id = conn.execute(links.insert().values(paper_id=2, question_id=3, position=1,
                                                    created_at=T0)).inserted_primary_key[0]
        assert new_id == 8
        conn.execute(links.delete().where(links.c.id == 8))

    migrate.downgrade("tiku", url, "tiku_0002", project=PROJECT)
    engine.dispose()
    expected = {3: [2, 1], 1: [3, 1, 2], 2: [], 4: [1, 1]}  # the dangling 99 is gone for good
    assert read(engine, "tiku", "1.1", "exam_papers") == [
        {**p, "question_ids": expected[p["id"]]} for p in papers_before]
    assert read(engine, "tiku", "1.1", "practice_details") == details_before
    assert read(engine, "tiku", "1.1", "questions") == questions_before
    assert "exam_paper_questions" not in sa.inspect(engine).get_table_names()
    assert "user_answer" not in columns(engine, "practice_details")
    assert migrate.current(engine) == "tiku_0002"


# ------------------------------------------------------------------ dudao 1.1
def _dudao_parents():
    return {
        "projects": [{"id": 1, "name": "2027国考"}],
        "class_types": [{"id": 1}],
        "class_batches": [{"id": 1}],
        "subjects": [{"id": 1}],
        "schedules": [{"id": i, "start_at": datetime(2026, 2, i, 19), "title": f"第{i}讲"}
                      for i in range(1, 7)],
        "students": [{"id": 1, "name": "𠀀小明", "phone": None},
                     {"id": 2, "name": "陈🎉", "target_exam": ""}],
    }


ATTENDANCES = [
    {"id": 1, "schedule_id": 1, "status": "出勤", "checked_in_at": T1, "remark": "😀 全勤"},
    {"id": 2, "schedule_id": 2, "status": "迟到", "remark": None},
    {"id": 3, "schedule_id": 3, "status": "缺勤", "remark": "𠀀"},
    {"id": 4, "schedule_id": 4, "status": "请假", "remark": ""},
]


def test_dudao_0002_status_enum_and_wechat_id(server, engines):
    url = server.database("dudao", "dudao_0001")
    engine = engines(url)
    insert(engine, "dudao", "1.0", {**_dudao_parents(), "attendances": ATTENDANCES})
    att_before = read(engine, "dudao", "1.0", "attendances")
    students_before = read(engine, "dudao", "1.0", "students")

    migrate.upgrade("dudao", url, "dudao_0002", project=PROJECT)
    engine.dispose()
    english = {"出勤": "present", "迟到": "late", "缺勤": "absent", "请假": "leave"}
    assert read(engine, "dudao", "1.1", "attendances") == [
        {**a, "status": english[a["status"]]} for a in att_before]
    assert read(engine, "dudao", "1.1", "students") == [
        {**s, "wechat_id": None} for s in students_before]
    # the column now refuses anything outside the enum where the engine enforces it
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE attendances SET status = '出勤' WHERE id = 1"))

    migrate.downgrade("dudao", url, "dudao_0001", project=PROJECT)
    engine.dispose()
    assert read(engine, "dudao", "1.0", "attendances") == att_before
    assert read(engine, "dudao", "1.0", "students") == students_before
    assert "wechat_id" not in columns(engine, "students")
    status = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("attendances")}["status"]
    assert isinstance(status, sa.String) and status.length == 8
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            assert not conn.scalar(sa.text("SELECT count(*) FROM pg_type "
                                           "WHERE typname = 'attendance_status'"))


def test_dudao_0002_refuses_unknown_status_and_changes_nothing(server, engines):
    url = server.database("dudao", "dudao_0001")
    engine = engines(url)
    bad = [{"id": 5, "schedule_id": 5, "status": "到了"}, {"id": 6, "schedule_id": 6, "status": ""}]
    insert(engine, "dudao", "1.0", {**_dudao_parents(), "attendances": ATTENDANCES + bad})
    att_before = read(engine, "dudao", "1.0", "attendances")
    students_before = read(engine, "dudao", "1.0", "students")
    cols_before = {t: columns(engine, t) for t in ("attendances", "students")}

    with pytest.raises(DataError) as err:
        migrate.upgrade("dudao", url, "dudao_0002", project=PROJECT)
    engine.dispose()

    assert str(err.value) == (
        "data.attendances field status: 2 attendance row(s) have a status that is none of "
        "出勤/迟到/缺勤/请假: id 5 '到了', id 6 ''; nothing was changed (correct these rows "
        "(e.g. UPDATE attendances SET status = '出勤' WHERE id = …) and upgrade again)")
    assert migrate.current(engine) == "dudao_0001"
    assert read(engine, "dudao", "1.0", "attendances") == att_before
    assert read(engine, "dudao", "1.0", "students") == students_before
    assert {t: columns(engine, t) for t in cols_before} == cols_before
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            assert not conn.scalar(sa.text("SELECT count(*) FROM pg_type "
                                           "WHERE typname = 'attendance_status'"))
