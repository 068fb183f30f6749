"""The console script (robokit._console): the garbage collector held while a command
starts, and back on, with the start's objects frozen, once the run's program starts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A run of `program` through the console script's entry point, telling (on stderr) whether
# the collector was on while the run was being set up (its bundle loaded) and as the
# program printed; the program prints what it sees itself.
_CONSOLE_RUN = textwrap.dedent("""\
    import gc, sys
    import robokit._console as console
    import robokit.sim as sim
    real = sim.load_bundle
    def load_bundle(*args, **kw):
        print("set-up: collector on:", gc.isenabled(), file=sys.stderr, flush=True)
        return real(*args, **kw)
    sim.load_bundle = load_bundle
    sys.argv = ["robokit", *sys.argv[1:]]
    console.command()
    """)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-c", _CONSOLE_RUN, *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_the_collector_is_held_while_a_run_starts_and_on_for_its_program(tmp_path):
    (tmp_path / "p.py").write_text("import gc\nprint('program: collector on:', gc.isenabled())\n")
    proc = _run("run", "p.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "set-up: collector on: False" in proc.stderr
    assert "program: collector on: True" in proc.stdout


def test_a_process_whose_collector_was_off_keeps_it_off(tmp_path):
    (tmp_path / "p.py").write_text("import gc\nprint('program: collector on:', gc.isenabled())\n")
    code = "import gc; gc.disable()\n" + _CONSOLE_RUN
    proc = subprocess.run([sys.executable, "-c", code, "run", "p.py"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "program: collector on: False" in proc.stdout


def test_the_console_script_is_this_entry_point():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["robokit"] == "robokit._console:command"


def test_resume_without_hold_changes_nothing():
    import gc

    import robokit._console as console

    was = gc.isenabled()
    frozen = gc.get_freeze_count()
    console.resume()
    assert gc.isenabled() == was and gc.get_freeze_count() == frozen
