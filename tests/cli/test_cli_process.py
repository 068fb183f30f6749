"""What the `robokit` command sets up for its own process, and leaves alone in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = ("import os, sys\n"
          "from robokit.cli import main\n"
          "sys.argv = ['robokit', 'worlds']\n"
          "try:\n    main()\nexcept SystemExit:\n    pass\n"
          "print('OPENBLAS', os.environ.get('OPENBLAS_NUM_THREADS'))\n")


def openblas_after_a_command(**env: str) -> str:
    run_env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    run_env.update(env)
    p = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                       env=run_env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "oval" in p.stdout  # the command ran
    return p.stdout.splitlines()[-1]


def test_the_command_keeps_numpys_openblas_to_one_thread_unless_told_otherwise():
    # numpy, when a command imports it (a world's first raster, --plot), would start an
    # OpenBLAS thread per core: tens of ms of CPU for nothing robokit computes.
    assert openblas_after_a_command() == "OPENBLAS 1"
    assert openblas_after_a_command(OPENBLAS_NUM_THREADS="3") == "OPENBLAS 3"


def test_an_in_process_call_leaves_the_environment_alone(monkeypatch):
    from click.testing import CliRunner

    from robokit.cli import main

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert CliRunner().invoke(main, ["worlds"]).exit_code == 0
    assert "OPENBLAS_NUM_THREADS" not in os.environ
