"""toolkit.load and toolkit.idmap: order, trees, the cycle, refs, id map size."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from tests import importing
from toolkit.errors import DataError
from toolkit.idmap import IdMap, IdRanges
from toolkit.load import unusable_password


# ------------------------------------------------------------------ idmap
def test_id_ranges_any_order():
    r = IdRanges()
    for n in [5, 3, 4, 10, 1, 2, 9, 7, 8, 6, 6, 100]:
        r.add(n)
    assert [n for n in range(0, 102) if n in r] == list(range(1, 11)) + [100]
    assert len(r) == 2


def test_restore_keeps_the_map_small():
    ids = IdMap()
    for n in range(1, 200_001):  # a restore into an empty database: every id kept
        ids.put("practice_details", n, n)
    assert ids.size() == 1
    assert ids.get("practice_details", 123_456) == 123_456
    assert ids.get("practice_details", 200_001) is None  # unknown, never "the same number"
    ids.put("users", 7, 12)
    assert ids.get("users", 7) == 12 and ids.get("users", 12) is None
    assert ids.size() == 2


def test_unusable_password():
    a, b = unusable_password(), unusable_password()
    assert a.startswith("!") and len(a) > 24 and a != b


# ------------------------------------------------------------------ order
@pytest.mark.parametrize("system,trees", [("tiku", ["categories", "knowledge_points"]),
                                          ("dudao", ["module_categories"])])
def test_trees_in_any_order_and_small_batches(backend, server, system, trees):
    """Children before parents, the cycle, ids taken across batches of 7: all restored."""
    source = server.database(system, seeded=True)
    header, data = importing.exported(source, system)
    shuffled = copy.deepcopy(data)
    for key in trees:
        shuffled[key].reverse()  # every child now comes before its parent
    target = server.database(system)
    report = importing.load_into(target, system, importing.archive_of(header, shuffled),
                                 batch_size=7)
    assert report.total("inserted") == sum(len(v) for v in data.values())
    assert importing.exported(target, system)[1] == data


# ------------------------------------------------------------------ refs
def _partial_detail(url):
    """A practice_details archive whose parents travel as nested natural keys in refs."""
    header, data = importing.exported(url, "tiku")
    users = {u["id"]: u["username"] for u in data["users"]}
    practice = data["practices"][3]
    used = {d["question_id"] for d in data["practice_details"]
            if d["practice_id"] == practice["id"]}
    question = next(q for q in data["questions"] if q["id"] not in used)
    record = dict(data["practice_details"][0], id=999_999, practice_id=777, question_id=888)
    header = dict(header, scope=dict(header["scope"], modules=["practice_details"]),
                  counts={"practice_details": 1},
                  refs={"practices": [{"id": 777, "user_id": {"username": users[practice["user_id"]]},
                                       "started_at": practice["started_at"]}],
                        "questions": [{"id": 888, "code": question["code"]}]})
    return header, {"practice_details": [record]}, practice, question


def test_nested_refs_resolve_by_natural_key(backend, server, engines):
    target = server.database("tiku", seeded=True)
    header, data, practice, question = _partial_detail(target)
    report = importing.load_into(target, "tiku", importing.archive_of(header, data))
    assert report.module("practice_details").inserted == 1
    with engines(target).connect() as c:
        row = c.execute(sa.text("SELECT practice_id, question_id FROM practice_details "
                                "WHERE id = 999999")).one()
    assert tuple(row) == (practice["id"], question["id"])


def test_unresolvable_ref_names_record_field_and_key(backend, server):
    target = server.database("tiku", seeded=True)
    header, data, _, _ = _partial_detail(target)
    header["refs"]["practices"][0]["user_id"] = {"username": "nobody_here"}
    before = importing.dump(target, "tiku")
    with pytest.raises(DataError) as info:
        importing.load_into(target, "tiku", importing.archive_of(header, data))
    text = str(info.value)
    assert "data.practice_details[0] (id 999999) field practice_id" in text
    assert "nobody_here" in text
    assert importing.dump(target, "tiku") == before


def test_dangling_reference_is_refused(backend, server):
    target = server.database("tiku")
    header, data = importing.exported(server.database("tiku", seeded=True), "tiku")
    data = {"users": data["users"], "question_books": data["question_books"],
            "categories": data["categories"]}
    data["question_books"] = [dict(data["question_books"][0], created_by=424242)]
    with pytest.raises(DataError, match="question_books.* field created_by: refers to users id "
                                        "424242"):
        importing.load_into(target, "tiku", importing.archive_of(header, {
            k: data[k] for k in ("users", "categories", "question_books")}))


def test_modules_out_of_order_are_refused(backend, server):
    from toolkit.errors import ArchiveError

    target = server.database("tiku")
    header, data = importing.exported(server.database("tiku", seeded=True), "tiku")
    with pytest.raises(ArchiveError, match="comes after"):
        importing.load_into(target, "tiku", importing.archive_of(
            header, {"categories": data["categories"], "users": data["users"]}))


def test_existing_secret_survives_overwrite(backend, server, engines):
    target = server.database("dudao", seeded=True)
    header, data = importing.exported(target, "dudao")
    with engines(target).begin() as c:
        c.execute(sa.text("UPDATE users SET password_hash = 'pbkdf2:sha256$kept', "
                          "real_name = 'old' WHERE id = 3"))
    report = importing.load_into(target, "dudao", importing.archive_of(
        header, {"users": data["users"]}), conflict="overwrite")
    assert report.module("users").updated == 1 and not report.password_resets
    with engines(target).connect() as c:
        row = c.execute(sa.text("SELECT password_hash, real_name FROM users WHERE id = 3")).one()
    assert row[0] == "pbkdf2:sha256$kept"
    assert row[1] == data["users"][2]["real_name"]
