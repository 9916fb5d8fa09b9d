"""Benchmark: a million rows of tiku through every stage, against the floor.

    python bench/run.py [--scale 100] [--db URL] [--excel-scale 10] [--out bench/out]

Seeds tiku at ``--scale`` (100 ≈ 1.5 million rows: 1M practice_details,
100k questions, 100k practices, 10k users), then runs each stage as its own
process and reports wall seconds, rows/s, the process's peak RSS and the
ratio to the matching floor measured in the same run on the same data.
With ``--db`` (a PostgreSQL or MariaDB URL) the databases are created next
to the one the URL names; the default is SQLite files under ``--out``.
Excel export runs on its own database at ``--excel-scale`` (a workbook of
1.5 million rows takes openpyxl minutes), twice the rows the second time, to
show its memory stays flat.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from toolkit import config as tk_config  # noqa: E402


@dataclass
class Stage:
    name: str
    seconds: float
    rows: int
    rss_mb: float
    floor: str | None = None
    ratio: float | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, the process's peak RSS in MB (measured by measure.py), stdout."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / "measure.py"), *cmd], env=env, cwd=REPO,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    lines = done.stdout.rstrip().splitlines()
    return seconds, float(lines[-1]), "\n".join(lines[:-1])


class Databases:
    """Fresh databases for the run: SQLite files, or on the server --db names."""

    def __init__(self, base: str | None, out: Path):
        self.base = tk_config.normalize_url(base) if base else None
        self.out = out
        self.made: list[str] = []

    def new(self, name: str) -> str:
        if self.base is None:
            path = self.out / f"{name}.db"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        url = make_url(self.base)
        admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        db = f"bench_{name}"
        with admin.connect() as c:
            q = '"' if url.get_backend_name() == "postgresql" else "`"
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {q}{db}{q}")
            extra = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" if q == "`" else ""
            c.exec_driver_sql(f"CREATE DATABASE {q}{db}{q}{extra}")
        admin.dispose()
        self.made.append(db)
        return url.set(database=db).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> list[Stage]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100)
    ap.add_argument("--excel-scale", type=int, default=None)
    ap.add_argument("--db", help="PostgreSQL or MariaDB server URL (default: SQLite)")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    excel_scale = args.excel_scale or max(1, args.scale // 10)
    dbs = Databases(args.db, out)
    env = {**os.environ, "TOOLKIT_CONFIG": str(REPO / "alembic.ini"), "PYTHONPATH": str(REPO)}
    tk = [sys.executable, "-m", "toolkit.cli", "--quiet"]
    py = sys.executable

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    src, dst, floor_db = dbs.new("src"), dbs.new("dst"), dbs.new("floor")
    engine_name = make_url(src).get_backend_name()
    for url in (src, dst, floor_db):
        subprocess.run([*tk, "db", "upgrade", "--system", "tiku", "--db", url], env=env, cwd=REPO,
                       check=True, capture_output=True)
    say(f"seeding tiku at scale {args.scale} ({engine_name}) …")
    t = time.perf_counter()
    subprocess.run([*tk, "seed", "--system", "tiku", "--db", src, "--scale", str(args.scale)],
                   env=env, cwd=REPO, check=True, capture_output=True)
    say(f"seeded in {time.perf_counter() - t:.1f} s")

    stages: list[Stage] = []

    def stage(name, cmd, rows, floor=None):
        say(f"{name} …")
        seconds, rss, _ = timed(cmd, env)
        st = Stage(name, round(seconds, 2), rows, round(rss, 1), floor)
        stages.append(st)
        return st

    archive = out / "tiku.json"
    floor_json, floor_orjson = out / "floor-json.json", out / "floor-orjson.json"
    rows = int(subprocess.run([py, str(HERE / "floor.py"), "dump", "tiku", src, str(floor_json), "json"],
                              env=env, cwd=REPO, check=True, capture_output=True, text=True).stdout)
    f_json = stage("floor: SELECT * → JSON (stdlib json)",
                   [py, str(HERE / "floor.py"), "dump", "tiku", src, str(floor_json), "json"], rows)
    f_orjson = stage("floor: SELECT * → JSON (orjson)",
                     [py, str(HERE / "floor.py"), "dump", "tiku", src, str(floor_orjson), "orjson"], rows)
    f_exec = stage("floor: load file, executemany, one transaction",
                   [py, str(HERE / "floor.py"), "load", "tiku", floor_db, str(floor_orjson), "executemany"], rows)
    floors = {"json": f_json, "orjson": f_orjson, "executemany": f_exec}
    if engine_name == "postgresql":
        floor_copy_db = dbs.new("floor_copy")
        subprocess.run([*tk, "db", "upgrade", "--system", "tiku", "--db", floor_copy_db], env=env,
                       cwd=REPO, check=True, capture_output=True)
        floors["copy"] = stage("floor: load file, COPY, one transaction",
                               [py, str(HERE / "floor.py"), "load", "tiku", floor_copy_db,
                                str(floor_orjson), "copy"], rows)
    load_floor = "copy" if "copy" in floors else "executemany"

    stage("export JSON", [*tk, "export", "--system", "tiku", "--db", src, "-o", str(archive)], rows, "orjson")
    stage("validate", [*tk, "validate", str(archive)], rows, "json")
    v10 = out / "tiku-1.0.json"
    subprocess.run([py, str(HERE / "make_v10.py"), str(archive), str(v10)], env=env, cwd=REPO, check=True)
    stage("upgrade-archive 1.0 → head", [*tk, "upgrade-archive", str(v10), "-o", str(out / "tiku-up.json")],
          rows, "json")
    stage("import into an empty database", [*tk, "import", str(archive), "--db", dst], rows, load_floor)
    stage("import --conflict skip into the full one",
          [*tk, "import", str(archive), "--db", src, "--conflict", "skip"], rows, "executemany")
    dry = dbs.new("dry")
    subprocess.run([*tk, "db", "upgrade", "--system", "tiku", "--db", dry], env=env, cwd=REPO,
                   check=True, capture_output=True)
    stage("import --dry-run into an empty database", [*tk, "import", str(archive), "--db", dry, "--dry-run"],
          rows, load_floor)

    for scale in (excel_scale, excel_scale * 2):
        xdb = dbs.new(f"excel{scale}")
        subprocess.run([*tk, "db", "upgrade", "--system", "tiku", "--db", xdb], env=env, cwd=REPO,
                       check=True, capture_output=True)
        subprocess.run([*tk, "seed", "--system", "tiku", "--db", xdb, "--scale", str(scale)],
                       env=env, cwd=REPO, check=True, capture_output=True)
        xrows = int(subprocess.run([py, str(HERE / "floor.py"), "dump", "tiku", xdb,
                                    str(out / "x.json"), "orjson"], env=env, cwd=REPO, check=True,
                                   capture_output=True, text=True).stdout)
        stage(f"export Excel (scale {scale})", [*tk, "export", "--system", "tiku", "--db", xdb,
                                                "--format", "excel", "-o", str(out / f"tiku-{scale}.xlsx")],
              xrows)

    for st in stages:
        if st.floor:
            st.ratio = round(st.seconds / floors[st.floor].seconds, 2)
    report(stages, engine_name, args.scale, rows, out)
    return stages


def report(stages: list[Stage], engine: str, scale: int, rows: int, out: Path) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [f"tiku at scale {scale}: {rows:,} rows, {engine}; {machine}", "",
             "| stage | wall s | rows/s | peak RSS MB | floor | ratio |",
             "|---|---:|---:|---:|---|---:|"]
    for st in stages:
        lines.append(f"| {st.name} | {st.seconds:.2f} | {st.rows_per_s:,.0f} | {st.rss_mb:.0f} | "
                     f"{st.floor or ''} | {'' if st.ratio is None else f'{st.ratio:.2f}×'} |")
    text = "\n".join(lines)
    print(text)
    (out / f"results-{engine}.md").write_text(text + "\n", encoding="utf-8")
    (out / f"results-{engine}.json").write_text(json.dumps(
        {"engine": engine, "scale": scale, "rows": rows, "machine": machine,
         "stages": [{**asdict(s), "rows_per_s": round(s.rows_per_s)} for s in stages]},
        ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
