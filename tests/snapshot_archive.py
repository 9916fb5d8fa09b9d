"""A real archive for validation tests, built straight from a seeded database.

Independent of the exporter on purpose: the validator and the committed
schemas are tested against data the models and seed produced, not against
what another stage of the toolkit thinks an archive looks like.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from tests.databases import PROJECT
from toolkit import config as tk_config
from toolkit import migrate, values, versions
from toolkit.archive import Archive


def snapshot(url: str, system: str) -> Archive:
    """Everything in the database at ``url`` as an archive of its version (in memory)."""
    engine = tk_config.make_engine(url)
    try:
        with engine.connect() as conn:
            schema = versions.for_revision(system, migrate.current_revision(conn), PROJECT)
            data = {}
            for m in schema.modules:
                table = schema.table(m.key)
                fields = m.exported_fields
                conv = {f: values.to_archive(m.fields[f].kind) for f in fields}
                rows = conn.execute(select(*(table.c[f] for f in fields)).order_by(table.c.id))
                data[m.key] = [{f: (conv[f](v) if conv[f] else v) for f, v in zip(fields, row)}
                               for row in rows]
    finally:
        engine.dispose()
    header = {
        "format": "gongkao-archive", "system": system, "version": schema.version,
        "schema_revision": schema.revision, "toolkit_version": "0.1.0",
        "exported_at": "2026-03-02T10:00:00+08:00",
        "scope": {"since": None, "modules": list(data),
                  "excluded_fields": {m.key: list(m.sensitive) for m in schema.modules if m.sensitive}},
        "counts": {k: len(v) for k, v in data.items()},
        "refs": {},
    }
    return Archive.from_data(header, data, source=f"{system}-{schema.version}.json")


def write_json(archive: Archive, path: Path) -> Path:
    header, data = archive.to_data()
    path.write_text(json.dumps({**header, "data": data}, ensure_ascii=False), encoding="utf-8")
    return path
