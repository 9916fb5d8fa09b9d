"""The benchmark at a tiny scale, so it cannot rot (it checks that it runs, not how fast)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.databases import REPO


def test_bench_runs_every_stage_at_a_tiny_scale(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--scale", "1",
                           "--excel-scale", "1", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results-sqlite.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in results["stages"]]
    for stage in ("export JSON", "validate", "upgrade-archive 1.0 → head",
                  "import into an empty database", "import --conflict skip into the full one",
                  "import --dry-run into an empty database", "export Excel (scale 1)"):
        assert stage in names
    for s in results["stages"]:
        assert s["seconds"] > 0 and s["rss_mb"] > 0
        if "Excel" not in s["name"]:
            assert s["rows"] == results["rows"]
        if s["floor"]:
            assert s["ratio"] > 0
    assert "| export JSON |" in done.stdout
