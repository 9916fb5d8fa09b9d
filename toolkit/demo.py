"""`make demo`: the toolkit's whole story on SQLite, command by command.

Runs in a scratch folder (default build/demo) that it empties first, with
TOOLKIT_CONFIG pointing at this project, so the default paths
(instance/<system>.db, backups/) land there. Each step prints the command
it runs, exactly as an operator would type it.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from toolkit import config as tk_config

SYSTEMS = ("tiku", "dudao")


def _run(args: list[str], env: dict, cwd: Path, expect: int = 0) -> str:
    print(f"\n$ {shlex.join(args)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "toolkit.cli", *args[1:]] if args[0] == "toolkit"
                          else args, env=env, cwd=cwd, text=True, capture_output=True)
    out = (done.stdout + done.stderr).rstrip()
    if out:
        print(out, flush=True)
    if done.returncode != expect:
        raise SystemExit(f"demo: `{shlex.join(args)}` exited {done.returncode}, expected {expect}")
    return done.stdout


def steps(project: tk_config.Project) -> list[list[str]]:
    sample = project.dataformat("tiku") / "examples" / "tiku-1.0-sample.json.gz"
    restored = "sqlite:///instance/tiku-restored.db"
    cmds: list[list[str]] = []
    for s in SYSTEMS:
        cmds.append(["toolkit", "db", "upgrade", "--system", s])
        cmds.append(["toolkit", "seed", "--system", s])
    cmds += [
        ["toolkit", "export", "--system", "tiku", "-o", "backups/tiku-full.json"],
        ["toolkit", "export", "--system", "dudao", "-o", "backups/dudao-full.json.gz"],
        ["toolkit", "export", "--system", "tiku", "--format", "excel", "-o", "backups/题库.xlsx"],
        ["toolkit", "validate", "backups/tiku-full.json", "backups/dudao-full.json.gz",
         "backups/题库.xlsx"],
        ["toolkit", "upgrade-archive", str(sample), "-o", "backups/tiku-sample-upgraded.json"],
        ["toolkit", "db", "upgrade", "--system", "tiku", "--db", restored],
        ["toolkit", "import", "backups/tiku-sample-upgraded.json", "--db", restored, "--dry-run"],
        ["toolkit", "import", "backups/tiku-sample-upgraded.json", "--db", restored],
        ["toolkit", "status", "--quiet"],
        ["toolkit", "status", "--system", "tiku", "--db", restored],
    ]
    return cmds


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    work = Path(argv[0] if argv else "build/demo").resolve()
    project = tk_config.find_project()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {**os.environ, "TOOLKIT_CONFIG": str(project.ini), "PYTHONUNBUFFERED": "1"}
    for s in SYSTEMS:
        env.pop(tk_config.env_var(s), None)
    print(f"gongkao-toolkit demo in {work}")
    for cmd in steps(project):
        _run(cmd, env, work)
    print("\ndemo finished: every step above succeeded.")


if __name__ == "__main__":
    main()
