"""A wheel carries alembic.ini, migrations/ and dataformat/, so `toolkit`
runs outside a checkout (DESIGN.md: "a wheel install ships … as package data")."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.databases import REPO


def test_installed_wheel_runs_outside_a_checkout(tmp_path):
    wheels, lib, work = tmp_path / "wheels", tmp_path / "lib", tmp_path / "work"
    work.mkdir()
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(wheels), str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = wheels.glob("gongkao_toolkit-*.whl")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                "--target", str(lib), str(wheel)], capture_output=True, text=True,
                               timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOOLKIT_CONFIG", "TIKU_DATABASE_URL", "DUDAO_DATABASE_URL")}
    env["PYTHONPATH"] = str(lib)  # the wheel's toolkit, not the checkout's

    def toolkit(*args):
        return subprocess.run([sys.executable, "-m", "toolkit.cli", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([sys.executable, "-c", "import toolkit; print(toolkit.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert where.stdout.startswith(str(lib))
    for args in (["db", "upgrade", "--system", "dudao"], ["seed", "--system", "dudao", "-q"],
                 ["export", "--system", "dudao", "-o", "d.json", "-q"], ["validate", "d.json"],
                 ["check"]):
        done = toolkit(*args)
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    assert (work / "instance" / "dudao.db").is_file() and (work / "d.json").is_file()
