"""Archive upgrade steps of tiku (题库系统), one per Alembic revision.

Each step does to an archive's records exactly what the paired revision in
migrations/tiku/versions/ does to the tables, so that upgrading the database
and upgrading the archive commute.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from toolkit.archive import Archive, ModuleStream, Record
from toolkit.upgrade import step


def _records_of(archive: Archive, key: str) -> Iterator[Record]:
    """One module's records, read afresh; stops reading once the module is done."""
    for module, records in archive.modules():
        if module == key:
            yield from records
            return


def _map_module(archive: Archive, key: str, fn) -> Archive:
    def open_modules() -> ModuleStream:
        for module, records in archive.modules():
            yield module, (map(fn, records) if module == key else records)
    return Archive(dict(archive.header), open_modules, archive.source, archive.notes)


@step("tiku", "1.0", "1.1")
def add_question_source(archive: Archive) -> Archive:
    """questions gain source (来源) and year, both null (as tiku_0002 adds them).

    Streams record by record; holds nothing in memory.
    """
    return _map_module(archive, "questions", lambda r: {**r, "source": None, "year": None})


# ----------------------------------------------------------------- 1.1 → 1.2
PAPERS, LINKS = "exam_papers", "exam_paper_questions"


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kept(paper: Record, known: set[int]) -> Iterator[tuple[int, int]]:
    """(position, question id) of the list entries tiku_0003 keeps, in list order."""
    entries = paper.get("question_ids")
    if not isinstance(entries, list):
        return
    for position, qid in enumerate(entries, 1):
        if _is_id(qid) and qid in known:
            yield position, qid


def _dropped(paper: Record, known: set[int]) -> Iterator[str]:
    """A note for each list entry tiku_0003 drops (its warning, in archive words)."""
    entries = paper.get("question_ids")
    if not isinstance(entries, list):
        yield (f"exam_papers id {paper.get('id')}: question_ids is not a list ({entries!r}); "
               "the paper has no exam_paper_questions")
        return
    for position, qid in enumerate(entries, 1):
        if not (_is_id(qid) and qid in known):
            yield (f"exam_papers id {paper.get('id')}: question id {qid!r} at position {position} "
                   "is neither among the archive's questions nor in refs; the entry was dropped")


def _in_load_order(mapping: dict, order: list[str]) -> dict:
    return {k: mapping[k] for k in sorted(mapping, key=lambda k: (k not in order,
                                                                   order.index(k) if k in order else 0))}


# 1.2's load order, from its frozen schema next to this file.
LOAD_ORDER_1_2 = json.loads(Path(__file__).with_name("1.2.schema.json")
                            .read_text(encoding="utf-8"))["x-gongkao"]["load_order"]


@step("tiku", "1.1", "1.2")
def split_paper_questions(archive: Archive) -> Archive:
    """exam_papers.question_ids become exam_paper_questions; practice_details.answer → user_answer.

    As tiku_0003: papers in id order, each list in its order; a row per entry
    with position = its 1-based index and the paper's created_at; ids 1..n
    over the kept rows in (paper_id, position) order; an entry whose question
    is neither among the archive's questions nor in refs["questions"] is
    dropped, with a note in ``archive.notes``.

    Memory: the set of question ids, and one kept-entry count per paper (so
    that ids follow paper-id order even when the file does not). The input is
    read up to four times: questions, then exam_papers (counts and notes),
    then the main pass, which re-reads exam_papers at its slot to emit the
    new module right after it.
    """
    header = dict(archive.header)
    known = {r["id"] for r in _records_of(archive, "questions") if "id" in r}
    known |= {r["id"] for r in (header.get("refs") or {}).get("questions", []) if "id" in r}

    kept: dict[int, int] = {}
    for paper in _records_of(archive, PAPERS):
        kept[paper["id"]] = sum(1 for _ in _kept(paper, known))
        archive.notes.extend(_dropped(paper, known))
    first_id, next_id = {}, 1
    for pid in sorted(kept):
        first_id[pid] = next_id
        next_id += kept[pid]

    counts = dict(header.get("counts") or {})
    counts[LINKS] = next_id - 1
    header["counts"] = _in_load_order(counts, LOAD_ORDER_1_2)
    refs = dict(header.get("refs") or {})
    refs[LINKS] = []
    header["refs"] = _in_load_order(refs, LOAD_ORDER_1_2)
    scope = header.get("scope")
    if isinstance(scope, dict) and PAPERS in (scope.get("modules") or []):
        mods = [m for m in scope["modules"] if m != LINKS]
        mods.insert(mods.index(PAPERS) + 1, LINKS)
        header["scope"] = {**scope, "modules": mods}

    def links() -> Iterator[Record]:
        for paper in _records_of(archive, PAPERS):
            rid = first_id[paper["id"]]
            for position, qid in _kept(paper, known):
                yield {"id": rid, "paper_id": paper["id"], "question_id": qid,
                       "position": position, "created_at": paper["created_at"]}
                rid += 1

    def open_modules() -> ModuleStream:
        for module, records in archive.modules():
            if module == PAPERS:
                yield module, ({k: v for k, v in r.items() if k != "question_ids"} for r in records)
                yield LINKS, links()
            elif module == "practice_details":
                yield module, ({("user_answer" if k == "answer" else k): v for k, v in r.items()}
                               for r in records)
            else:
                yield module, records
    return Archive(header, open_modules, archive.source, archive.notes)
