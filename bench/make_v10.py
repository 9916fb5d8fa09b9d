"""Turn a tiku archive at 1.2 into the 1.0 archive of the same data.

The bench needs a 1.0 archive as large as the head one to time
``upgrade-archive``; the seed only writes head databases. This undoes the
1.1 and 1.2 steps: question_ids lists rebuilt from exam_paper_questions,
user_answer renamed back to answer, questions lose source and year.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit import versions  # noqa: E402
from toolkit.archive import Archive  # noqa: E402
from toolkit.reader import open_archive  # noqa: E402
from toolkit.writer import write_archive  # noqa: E402


def main(src: str, dst: str) -> None:
    archive = open_archive(src)
    lists: dict[int, list[int]] = {}
    for key, records in archive.modules():
        if key == "exam_paper_questions":
            for r in sorted(records, key=lambda r: (r["paper_id"], r["position"])):
                lists.setdefault(r["paper_id"], []).append(r["question_id"])
        else:
            for _ in records:
                pass
    target = versions.schema("tiku", "1.0")
    header = dict(archive.header)
    header.update(version="1.0", schema_revision=target.revision)
    header["counts"] = {k: v for k, v in header["counts"].items() if k != "exam_paper_questions"}
    header["refs"] = {k: v for k, v in header["refs"].items() if k != "exam_paper_questions"}
    scope = dict(header["scope"])
    scope["modules"] = [m for m in scope["modules"] if m != "exam_paper_questions"]
    header["scope"] = scope

    def modules():
        for key, records in archive.modules():
            if key == "exam_paper_questions":
                for _ in records:
                    pass
                continue
            yield key, (_down(key, r, lists) for r in records)

    write_archive(Archive(header, modules, src), dst)


def _down(key: str, r: dict, lists: dict[int, list[int]]) -> dict:
    if key == "questions":
        r.pop("source", None)
        r.pop("year", None)
    elif key == "practice_details":
        r["answer"] = r.pop("user_answer")
    elif key == "exam_papers":
        r["question_ids"] = lists.get(r["id"], [])
    return r


if __name__ == "__main__":
    main(*sys.argv[1:3])
