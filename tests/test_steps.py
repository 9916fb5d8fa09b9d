"""Archive upgrade steps (dataformat/<system>/steps.py) on hand-written archives.

Each step's output is compared record for record with what the paired
revision does, and the whole envelope is validated against the next
version's committed schema with an independent validator.
"""
from __future__ import annotations

import copy

import jsonschema
import pytest

from tests.databases import PROJECT
from toolkit import upgrade, versions
from toolkit.archive import Archive
from toolkit.errors import ArchiveError


def header(system: str, version: str, modules: list[str], counts: dict, refs: dict | None = None,
           excluded: dict | None = None) -> dict:
    return {
        "format": "gongkao-archive", "system": system, "version": version,
        "schema_revision": versions.revision_of(system, version, PROJECT),
        "toolkit_version": "0.1.0", "exported_at": "2026-12-04T15:04:05+08:00",
        "scope": {"since": None, "modules": modules, "excluded_fields": excluded or {}},
        "counts": counts, "refs": refs or {},
    }


def validate(system: str, version: str, head: dict, data: dict) -> None:
    schema = versions.schema(system, version, PROJECT)
    jsonschema.Draft202012Validator(schema.raw).validate({**head, "data": data})


def run(archive: Archive, source: str, target: str) -> tuple[dict, list[tuple[str, list]]]:
    steps = upgrade.plan(archive.system, source, target, project=PROJECT)
    out = upgrade.run(archive, steps, project=PROJECT)
    return out.header, [(k, list(r)) for k, r in out.modules()]


# ------------------------------------------------------------------ tiku
def question(qid: int, **kw) -> dict:
    r = {"id": qid, "code": f"Q{qid:06d}", "type": "single", "stem": f"第{qid}题：😀 𠀀",
         "options": {"A": "甲", "B": "乙"}, "answer": "A", "analysis": None, "difficulty": 3,
         "score": "1.00", "category_id": 1, "book_id": None,
         "created_at": "2026-01-02T03:04:05", "updated_at": None}
    r.update(kw)
    return r


def paper(pid: int, qids, created: str, **kw) -> dict:
    r = {"id": pid, "title": f"试卷{pid}🎉", "paper_type": "mock", "question_ids": qids,
         "total_score": "10.00", "time_limit": 120, "exam_date": None, "is_published": True,
         "created_by": None, "created_at": created, "updated_at": None}
    r.update(kw)
    return r


def detail(did: int, qid: int, answer) -> dict:
    return {"id": did, "practice_id": 1, "question_id": qid, "seq": did, "answer": answer,
            "is_correct": None if answer is None else answer == "A", "time_spent": 30,
            "created_at": "2026-02-01T10:00:00.123456"}


QUESTIONS_1_0 = [question(1), question(2, analysis="解析：=SUM(A1)"), question(3, options=None)]
MODULES_1_0 = ["questions", "exam_papers", "practice_details"]


def test_tiku_1_0_to_1_1_adds_null_source_and_year():
    papers = [paper(1, [1, 2], "2026-01-05T08:00:00")]
    details = [detail(1, 1, "A"), detail(2, 2, None)]
    data = {"questions": QUESTIONS_1_0, "exam_papers": papers, "practice_details": details}
    head = header("tiku", "1.0", MODULES_1_0, {"questions": 3, "exam_papers": 1, "practice_details": 2})
    validate("tiku", "1.0", head, data)

    out_head, out = run(Archive.from_data(head, copy.deepcopy(data)), "1.0", "1.1")

    assert out == [
        ("questions", [{**q, "source": None, "year": None} for q in QUESTIONS_1_0]),
        ("exam_papers", papers),
        ("practice_details", details),
    ]
    assert out_head == {**head, "version": "1.1", "schema_revision": "tiku_0002"}
    validate("tiku", "1.1", out_head, dict(out))


def tiku_1_1_archive():
    questions = [{**q, "source": "2023年国考" if q["id"] == 1 else None,
                  "year": 2023 if q["id"] == 1 else None} for q in QUESTIONS_1_0]
    # Papers out of id order: ids of the new rows follow (paper_id, position) regardless.
    papers = [
        paper(3, [2, 99, 1], "2026-01-07T09:30:00.000001"),  # 99: dangling
        paper(1, [3, 1, 500, 2], "2026-01-05T08:00:00"),     # 500: only in refs
        paper(2, [], "2026-01-06T08:00:00"),                  # empty list
    ]
    details = [detail(1, 1, "A"), detail(2, 2, None), detail(3, 3, "答案😀𠀀"), detail(4, 1, "")]
    data = {"questions": questions, "exam_papers": papers, "practice_details": details}
    refs = {"questions": [{"id": 500, "code": "Q000500"}]}
    head = header("tiku", "1.1", MODULES_1_0,
                  {"questions": 3, "exam_papers": 3, "practice_details": 4}, refs=refs)
    return head, data


def test_tiku_1_1_to_1_2_splits_question_lists_like_tiku_0003():
    head, data = tiku_1_1_archive()
    validate("tiku", "1.1", head, data)
    archive = Archive.from_data(head, copy.deepcopy(data))

    out_head, out = run(archive, "1.1", "1.2")

    papers_out = [{k: v for k, v in p.items() if k != "question_ids"} for p in data["exam_papers"]]
    links = [  # in archive order of the papers; ids by (paper_id, position)
        {"id": 5, "paper_id": 3, "question_id": 2, "position": 1,
         "created_at": "2026-01-07T09:30:00.000001"},
        {"id": 6, "paper_id": 3, "question_id": 1, "position": 3,
         "created_at": "2026-01-07T09:30:00.000001"},
        {"id": 1, "paper_id": 1, "question_id": 3, "position": 1, "created_at": "2026-01-05T08:00:00"},
        {"id": 2, "paper_id": 1, "question_id": 1, "position": 2, "created_at": "2026-01-05T08:00:00"},
        {"id": 3, "paper_id": 1, "question_id": 500, "position": 3, "created_at": "2026-01-05T08:00:00"},
        {"id": 4, "paper_id": 1, "question_id": 2, "position": 4, "created_at": "2026-01-05T08:00:00"},
    ]
    details = [{"id": d["id"], "practice_id": 1, "question_id": d["question_id"], "seq": d["seq"],
                "user_answer": d["answer"], "is_correct": d["is_correct"], "time_spent": 30,
                "created_at": d["created_at"]} for d in data["practice_details"]]
    assert out == [
        ("questions", data["questions"]),
        ("exam_papers", papers_out),
        ("exam_paper_questions", links),
        ("practice_details", details),
    ]
    assert [d["user_answer"] for d in details] == ["A", None, "答案😀𠀀", ""]
    assert archive.notes == [
        "exam_papers id 3: question id 99 at position 2 is neither among the archive's "
        "questions nor in refs; the entry was dropped"]
    assert out_head["counts"] == {"questions": 3, "exam_papers": 3, "exam_paper_questions": 6,
                                  "practice_details": 4}
    assert list(out_head["counts"]) == ["questions", "exam_papers", "exam_paper_questions",
                                        "practice_details"]
    assert out_head["refs"] == {"questions": [{"id": 500, "code": "Q000500"}],
                                "exam_paper_questions": []}
    assert out_head["scope"]["modules"] == ["questions", "exam_papers", "exam_paper_questions",
                                            "practice_details"]
    assert (out_head["version"], out_head["schema_revision"]) == ("1.2", "tiku_0003")
    validate("tiku", "1.2", out_head, dict(out))
    # the step streams: a second read gives the same records
    assert [(k, list(r)) for k, r in upgrade.run(
        Archive.from_data(head, copy.deepcopy(data)),
        upgrade.plan("tiku", "1.1", "1.2", project=PROJECT), project=PROJECT).modules()] == out


def test_tiku_1_1_to_1_2_without_exam_papers_leaves_scope_alone():
    head, data = tiku_1_1_archive()
    del data["exam_papers"]
    head["scope"]["modules"] = ["questions", "practice_details"]
    del head["counts"]["exam_papers"]

    out_head, out = run(Archive.from_data(head, data), "1.1", "1.2")

    assert [k for k, _ in out] == ["questions", "practice_details"]
    assert out_head["scope"]["modules"] == ["questions", "practice_details"]
    assert out_head["counts"]["exam_paper_questions"] == 0
    validate("tiku", "1.2", out_head, dict(out))


def test_tiku_1_0_to_1_2_full_chain_validates_each_result():
    head, data = tiku_1_1_archive()
    head = {**head, "version": "1.0", "schema_revision": "tiku_0001"}
    data["questions"] = QUESTIONS_1_0
    seen = []

    def check(archive, schema):
        seen.append(schema.version)
        h, d = archive.to_data()
        jsonschema.Draft202012Validator(schema.raw).validate({**h, "data": d})
        return Archive.from_data(h, d)

    steps = upgrade.plan("tiku", "1.0", project=PROJECT)
    out = upgrade.run(Archive.from_data(head, data), steps, project=PROJECT, check=check)
    assert seen == ["1.1", "1.2"]
    _, out_data = out.to_data()
    assert out_data["questions"] == [{**q, "source": None, "year": None} for q in QUESTIONS_1_0]
    assert [r["id"] for r in out_data["exam_paper_questions"]] == [5, 6, 1, 2, 3, 4]


# ------------------------------------------------------------------ dudao
def student(sid: int, **kw) -> dict:
    r = {"id": sid, "student_no": f"S2026{sid:06d}", "user_id": None, "name": "陈🎉",
         "phone": None, "gender": "女", "id_card": None, "target_exam": "", "supervisor_id": None,
         "latest_log_id": None, "status": "在读", "created_at": "2026-01-01T00:00:00",
         "updated_at": None}
    r.update(kw)
    return r


def attendance(aid: int, status: str, **kw) -> dict:
    r = {"id": aid, "student_id": 1, "schedule_id": aid, "status": status,
         "checked_in_at": None, "remark": None, "recorded_by": None,
         "created_at": "2026-01-03T08:00:00", "updated_at": None}
    r.update(kw)
    return r


def test_dudao_1_0_to_1_1_maps_status_and_adds_wechat_id():
    students = [student(1), student(2, name="𠀀小明")]
    atts = [attendance(1, "出勤", remark="😀"), attendance(2, "迟到"), attendance(3, "缺勤"),
            attendance(4, "请假", remark="")]
    data = {"students": students, "attendances": atts}
    head = header("dudao", "1.0", ["students", "attendances"], {"students": 2, "attendances": 4})
    validate("dudao", "1.0", head, data)

    out_head, out = run(Archive.from_data(head, copy.deepcopy(data)), "1.0", "1.1")

    assert out == [
        ("students", [{**s, "wechat_id": None} for s in students]),
        ("attendances", [{**a, "status": s} for a, s in
                         zip(atts, ["present", "late", "absent", "leave"])]),
    ]
    assert out_head == {**head, "version": "1.1", "schema_revision": "dudao_0002"}
    validate("dudao", "1.1", out_head, dict(out))


def test_dudao_unknown_status_names_record():
    atts = [attendance(1, "出勤"), attendance(7, "到了")]
    head = header("dudao", "1.0", ["attendances"], {"attendances": 2})
    archive = Archive.from_data(head, {"attendances": atts}, source="backup.json")
    with pytest.raises(ArchiveError) as err:
        run(archive, "1.0", "1.1")
    e = err.value
    assert (e.file, e.module, e.record, e.record_id, e.field) == (
        "backup.json", "attendances", 1, 7, "status")
    assert str(e).startswith("backup.json: data.attendances[1] (id 7) field status: "
                             "status '到了' is none of 出勤/迟到/缺勤/请假")
