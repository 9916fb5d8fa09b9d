"""toolkit import, part 1: restore — round trips, handshake, all or nothing, dry run, --replace.

Every test runs on SQLite, PostgreSQL and MariaDB. "Unchanged" is proven by
dumping every table before and after.
"""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests import importing
from tests.databases import PROJECT
from toolkit import config as tk_config
from toolkit import load as load_mod
from toolkit import migrate
from toolkit.cli import cli
from toolkit.errors import ArchiveError, DatabaseError, VersionError
from toolkit.importer import import_archive

SYSTEMS = ("tiku", "dudao")


def run(*args):
    result = CliRunner().invoke(cli, ["--config", str(PROJECT.ini), *args])
    return result


@pytest.fixture
def seeded_file(server, tmp_path):
    """(url of a seeded database, path of its JSON archive) per system."""
    made = {}

    def make(system: str, suffix: str = ".json"):
        if (system, suffix) not in made:
            url = server.database(system, seeded=True)
            path = tmp_path / f"{system}{suffix}"
            importing.export_file(url, system, path)
            made[system, suffix] = (url, path)
        return made[system, suffix]
    return make


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("suffix", [".json", ".json.gz", ".xlsx"])
def test_restore_into_empty_database_keeps_records_and_ids(backend, server, seeded_file, system,
                                                           suffix):
    source, path = seeded_file(system, suffix)
    target = server.database(system)
    result = run("import", str(path), "--db", target)
    assert result.exit_code == 0, result.output
    assert "accounts needing a password reset" in result.output
    h1, d1 = importing.exported(source, system)
    h2, d2 = importing.exported(target, system)
    assert d2 == d1  # same records, same ids
    assert h2["counts"] == h1["counts"] and h2["refs"] == h1["refs"] == {}
    # new accounts cannot log in until a reset
    engine = tk_config.make_engine(target)
    with engine.connect() as c:
        hashes = c.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    engine.dispose()
    assert hashes and all(h.startswith("!") and len(h) > 20 for h in hashes)
    assert len(set(hashes)) == len(hashes)


@pytest.mark.parametrize("system", SYSTEMS)
def test_import_report_counts_and_json(backend, server, seeded_file, system, tmp_path):
    _, path = seeded_file(system)
    target = server.database(system)
    out = tmp_path / "report.json"
    result = run("import", str(path), "--db", target, "--report", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    counts = importing.exported(target, system)[0]["counts"]
    assert {m["key"]: m["inserted"] for m in report["modules"]} == counts
    assert report["committed"] is True and report["dry_run"] is False
    assert len(report["password_resets"]) == counts["users"]
    assert report["summary"] in result.output


@pytest.mark.parametrize("system", SYSTEMS)
def test_plain_insert_without_id_works_after_import(backend, server, seeded_file, system,
                                                    engines):
    _, path = seeded_file(system)
    target = server.database(system)
    import_archive(path, target, project=PROJECT)
    with engines(target).begin() as c:
        top = c.execute(sa.text("SELECT MAX(id) FROM users")).scalar_one()
        c.execute(sa.text(
            "INSERT INTO users (username, password_hash, role, is_active, created_at) "
            "VALUES ('fresh', '!x', 'student', :t, '2026-05-01 00:00:00')"), {"t": True})
        new_id = c.execute(sa.text("SELECT id FROM users WHERE username = 'fresh'")).scalar_one()
    assert new_id > top


# ------------------------------------------------------------------ all or nothing
def _bad_last_record(path, out, system):
    """The archive with the last module's last record made invalid."""
    archive = json.loads(path.read_text(encoding="utf-8"))
    last = list(archive["data"])[-1]
    record = archive["data"][last][-1]
    text_field = next(k for k, v in record.items() if isinstance(v, int) and k != "id"
                      and not k.endswith("_id"))
    record[text_field] = "not a number"
    out.write_text(json.dumps(archive, ensure_ascii=False), encoding="utf-8")
    return last, text_field


@pytest.mark.parametrize("system", SYSTEMS)
def test_bad_record_in_last_module_changes_nothing(backend, server, seeded_file, system,
                                                   tmp_path):
    _, path = seeded_file(system)
    bad = tmp_path / "bad.json"
    module, field = _bad_last_record(path, bad, system)
    for target in (server.database(system), server.database(system, seeded=True)):
        before = importing.dump(target, system)
        result = run("import", str(bad), "--db", target, "--conflict", "skip")
        assert result.exit_code == 1, result.output
        assert f"data.{module}[" in result.output and f"field {field}" in result.output
        assert "Traceback" not in result.output
        assert importing.dump(target, system) == before


@pytest.mark.parametrize("system", SYSTEMS)
def test_error_injected_mid_load_changes_nothing(backend, server, seeded_file, system,
                                                 monkeypatch):
    _, path = seeded_file(system)
    target = server.database(system)
    before = importing.dump(target, system)
    real = load_mod._Loader.load_module
    seen = []

    def failing(self, spec, records):
        seen.append(spec.key)
        if len(seen) == 4:  # three modules are in the database by now
            raise RuntimeError("injected failure")
        return real(self, spec, records)

    monkeypatch.setattr(load_mod._Loader, "load_module", failing)
    with pytest.raises(RuntimeError, match="injected"):
        import_archive(path, target, project=PROJECT)
    assert importing.dump(target, system) == before


@pytest.mark.parametrize("system", SYSTEMS)
def test_conflict_names_the_record_and_changes_nothing(backend, server, seeded_file, system, tmp_path):
    """Default policy: the first conflicting record is named; nothing is written."""
    _, path = seeded_file(system)
    first = json.loads(path.read_text(encoding="utf-8"))["data"]["users"][0]
    target = server.database(system, seeded=True)
    engine = tk_config.make_engine(target)
    with engine.begin() as c:  # the target has the username under another id
        c.execute(sa.text("UPDATE users SET username = :n WHERE id = :i"),
                  {"n": first["username"] + "_renamed", "i": first["id"]})
    engine.dispose()
    before = importing.dump(target, system)
    result = run("import", str(path), "--db", target)
    assert result.exit_code == 1
    assert "conflict" in result.output and "data.users[1]" in result.output
    assert importing.dump(target, system) == before


@pytest.mark.parametrize("system", SYSTEMS)
def test_dry_run_changes_nothing_and_reports_like_a_real_run(backend, server, seeded_file,
                                                             system, tmp_path):
    _, path = seeded_file(system)
    target = server.database(system)
    before = importing.dump(target, system)
    dry = import_archive(path, target, dry_run=True, project=PROJECT)
    assert importing.dump(target, system) == before
    real = import_archive(path, target, project=PROJECT)
    assert importing.dump(target, system) != before
    strip = lambda r: {k: v for k, v in r.to_dict().items()  # noqa: E731
                       if k not in ("dry_run", "committed", "summary")}
    assert strip(dry) == strip(real)
    assert dry.summary().split(":")[-1] == real.summary().split(":")[-1]
    assert "dry run" in dry.summary() and "imported" in real.summary()


@pytest.mark.parametrize("system", SYSTEMS)
def test_replace_gives_exactly_the_archive(backend, server, seeded_file, system, tmp_path,
                                           engines):
    source, _ = seeded_file(system)
    # the archive: the seeded data with rows removed and a value changed
    changed = server.database(system, seeded=True)
    with engines(changed).begin() as c:
        c.execute(sa.text("UPDATE users SET real_name = 'changed' WHERE id = 2"))
        if system == "tiku":
            c.execute(sa.text("DELETE FROM practice_details WHERE id > 5000"))
        else:
            c.execute(sa.text("DELETE FROM plan_progresses WHERE id > 100"))
    path = tmp_path / "changed.json"
    importing.export_file(changed, system, path)
    target = server.database(system, seeded=True)
    before = importing.dump(target, system)
    refused = run("import", str(path), "--db", target, "--replace")  # no terminal, no --yes
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert importing.dump(target, system) == before
    result = run("import", str(path), "--db", target, "--replace", "--yes")
    assert result.exit_code == 0, result.output
    assert importing.exported(target, system)[1] == importing.exported(changed, system)[1]


# ------------------------------------------------------------------ handshake
@pytest.mark.parametrize("system", SYSTEMS)
def test_newer_archive_is_refused_with_the_fix(backend, server, seeded_file, system):
    _, path = seeded_file(system)
    from toolkit import versions

    chain = versions.chain(system, PROJECT)
    if len(chain) < 2:
        pytest.skip(f"{system} has one format version")
    target = server.database(system, revision=chain[0].version)
    before = importing.dump(target, system)
    with pytest.raises(VersionError, match="toolkit db upgrade --system"):
        import_archive(path, target, project=PROJECT)
    result = run("import", str(path), "--db", target)
    assert result.exit_code == 1 and "toolkit db upgrade" in result.output
    assert importing.dump(target, system) == before


@pytest.mark.backends("sqlite")
def test_database_without_revision_is_refused(backend, server, seeded_file, tmp_path):
    _, path = seeded_file("tiku")
    url = server.empty()
    tk_config.make_engine(url, create=True).dispose()
    with pytest.raises(DatabaseError, match="toolkit db upgrade"):
        import_archive(path, url, project=PROJECT)


@pytest.mark.parametrize("system", SYSTEMS)
def test_old_archive_is_upgraded_on_the_way(backend, server, system, tmp_path):
    """An archive at the first version imports into a database at head (upgraded while
    streaming), and gives what the database path gives: load at V, migrate, export."""
    from toolkit import versions

    chain = versions.chain(system, PROJECT)
    if len(chain) < 2:
        pytest.skip(f"{system} has one format version")
    for old in chain[:-1]:
        at_old = server.database(system, seeded=True)
        migrate.downgrade(system, at_old, old.version, project=PROJECT)
        path = tmp_path / f"{system}-{old.version}.json"
        importing.export_file(at_old, system, path)
        assert json.loads(path.read_text(encoding="utf-8"))["version"] == old.version
        # the archive path: import into head
        at_head = server.database(system)
        report = import_archive(path, at_head, project=PROJECT)
        assert report.archive_version == old.version and report.plan
        # the database path: load at V, upgrade, export
        db_path = server.database(system, revision=old.version)
        assert import_archive(path, db_path, project=PROJECT).plan == []
        migrate.upgrade(system, db_path, "head", project=PROJECT)
        assert importing.exported(at_head, system)[1] == importing.exported(db_path, system)[1]


def test_unknown_conflict_policy_is_a_usage_error():
    from toolkit.errors import UsageError

    with pytest.raises(UsageError):
        import_archive("nothing.json", "sqlite://", conflict="merge")


def test_archive_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"format\": \"gongkao-archive\", \"system\": \"nope\"}", encoding="utf-8")
    result = run("import", str(bad), "--db", "sqlite:///" + str(tmp_path / "x.db"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    with pytest.raises(ArchiveError):
        import_archive(bad, "sqlite:///" + str(tmp_path / "x.db"), project=PROJECT)


@pytest.mark.backends("sqlite")
def test_sqlite_to_postgresql_to_mariadb_to_sqlite_keeps_every_record(backend, server,
                                                                      _server_pool, tmp_path):
    """One archive carried across the three engines, exported and imported at each hop."""
    import os

    from tests import databases

    servers = [server]
    for name, cls in (("postgresql", databases.PostgresServer),
                      ("mysql", databases.MysqlServer)):
        found = _server_pool.get(name)
        if found is None:
            url = os.environ.get(databases.ENV[name])
            reason = f"{databases.ENV[name]} is not set" if not url else databases.reachable(url)
            found = _server_pool[name] = reason or cls(tmp_path / name, url)
            if not reason:
                (tmp_path / name).mkdir()
        if isinstance(found, str):
            pytest.skip(f"{name} unavailable: {found}")
        servers.append(found)
    servers.append(server)
    for system in SYSTEMS:
        url = server.database(system, seeded=True)
        original = importing.exported(url, system)[1]
        for hop, srv in enumerate(servers[1:]):
            path = tmp_path / f"{system}-{hop}.json"
            importing.export_file(url, system, path)
            url = srv.database(system)
            import_archive(path, url, project=PROJECT)
        assert importing.exported(url, system)[1] == original


_REFUSE_ZHANGSAN = {
    # a rule only the database knows, so validation passes and the bulk write
    # (executemany, or COPY on PostgreSQL) is what refuses the record
    "sqlite": ["CREATE TRIGGER no_zhangsan BEFORE INSERT ON users WHEN NEW.username = 'zhangsan' "
               "BEGIN SELECT RAISE(ABORT, 'zhangsan is not welcome'); END"],
    "postgresql": ["ALTER TABLE users ADD CONSTRAINT ck_no_zhangsan CHECK (username <> 'zhangsan')"],
    "mysql": ["ALTER TABLE users ADD CONSTRAINT ck_no_zhangsan CHECK (username <> 'zhangsan')"],
}


def test_a_record_the_database_refuses_is_named_and_nothing_changes(backend, server,
                                                                    seeded_file, engines):
    _, path = seeded_file("tiku")
    target = server.database("tiku")
    with engines(target).begin() as conn:
        for ddl in _REFUSE_ZHANGSAN[backend]:
            conn.exec_driver_sql(ddl)
    before = importing.dump(target, "tiku")
    result = run("import", str(path), "--db", target)
    assert result.exit_code == 1, result.output
    header, data = importing.exported(server.database("tiku", seeded=True), "tiku")
    index = next(i for i, r in enumerate(data["users"]) if r["username"] == "zhangsan")
    assert f"data.users[{index}]" in result.output and "the database refused" in result.output
    assert "Traceback" not in result.output
    assert importing.dump(target, "tiku") == before


def test_an_archive_for_another_system_is_refused_before_anything_is_written(backend, server,
                                                                            seeded_file):
    _, path = seeded_file("tiku")
    target = server.database("dudao", seeded=True)
    before = importing.dump(target, "dudao")
    result = run("import", str(path), "--db", target)
    assert result.exit_code == 1, result.output
    assert "this is a dudao database" in result.output and "not a tiku one" in result.output
    assert importing.dump(target, "dudao") == before
