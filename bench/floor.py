"""The floor: the least work that moves the same rows, to compare stages against.

    python bench/floor.py dump URL OUT --encoder json|orjson
    python bench/floor.py load URL FILE --method executemany|copy

``dump`` streams ``SELECT *`` of every table into one JSON file (stdlib json
or orjson, no validation, no conversion beyond what the encoder needs).
``load`` reads that whole file into memory and inserts it in one transaction
with the driver's executemany (or COPY on PostgreSQL). Neither checks
anything: a stage of the toolkit does far more, and its ratio to the floor
says what that costs.
"""
from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal

import orjson
from sqlalchemy import text

from toolkit import config as tk_config
from toolkit import systems


def _default(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    raise TypeError(type(v))


def _tables(system: str):
    return systems.get(system).metadata.sorted_tables


def dump(system: str, url: str, out: str, encoder: str) -> int:
    engine = tk_config.make_engine(url)
    n = 0
    with engine.connect() as conn, open(out, "wb") as f:
        f.write(b"{")
        for i, table in enumerate(_tables(system)):
            f.write(b"," if i else b"")
            f.write(json.dumps(table.name).encode() + b":[")
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                text(f"SELECT * FROM {table.name}"))
            cols = list(result.keys())
            first = True
            for row in result:
                rec = dict(zip(cols, row))
                if encoder == "orjson":
                    data = orjson.dumps(rec, default=_default)
                else:
                    data = json.dumps(rec, default=_default, ensure_ascii=False).encode()
                f.write(data if first else b"," + data)
                first = False
                n += 1
            f.write(b"]")
        f.write(b"}")
    engine.dispose()
    return n


def load(system: str, url: str, path: str, method: str) -> int:
    with open(path, "rb") as f:
        data = orjson.loads(f.read())
    engine = tk_config.make_engine(url)
    raw = engine.raw_connection()
    n = 0
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")  # make_engine's connections are in autocommit mode
        for table in _tables(system):
            rows = data.get(table.name) or []
            if not rows:
                continue
            cols = list(rows[0])
            json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
            values = [tuple(orjson.dumps(r[c]).decode() if c in json_cols and r[c] is not None
                            else r[c] for c in cols) for r in rows]
            if method == "copy" and engine.dialect.name == "postgresql":
                with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for v in values:
                        copy.write_row(v)
            else:
                mark = "?" if engine.dialect.name == "sqlite" else "%s"
                sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
                       f"VALUES ({', '.join([mark] * len(cols))})")
                cur.executemany(sql, values)
            n += len(values)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return n


def main(argv: list[str]) -> None:
    verb, system, url, path, option = argv
    if verb == "dump":
        n = dump(system, url, path, option)
    else:
        n = load(system, url, path, option)
    print(n)


if __name__ == "__main__":
    main(sys.argv[1:])
