"""A corpus of Pybricks programs (issue 11), written in the style of the Pybricks
documentation's examples, one for each hub kind, device, tool, robotics class and the
EV3: tests/programs/pybricks_corpus/.  Each runs in the simulator with no robot.toml
(the robot fitted to it) and must do what its header says:

- ``# corpus: world=NAME duration=S press=BUTTON@TIME robot=NAME``: how it runs;
- ``# expect: output=TEXT``: a line it prints starts with TEXT;
- ``# expect: x=MM+-TOL y=MM+-TOL``: where it ends, in the world frame;
- ``# expect: imu=DEG+-TOL``: its heading as ``hub.imu.heading()`` reads it;
- ``# expect: moved=MM``: its body travelled at least MM;
- ``# expect: contacts=N``: it touched walls N times;
- ``# expect: event=KIND``: it recorded at least one event of that kind (a beep, ...);
- its status is ``finished`` (no error, no timeout).

The first test runs them all and prints the pass rate (``pytest -s`` shows it).  The
second compiles each one that needs no scripted press (a kit board has no one to press
its buttons) for ``--target micropython`` and runs it as .mpy on robokit's simulated
board (MicroPython's unix port): it prints the same and ends at the same pose as in the
simulator.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.sim import simulate

CORPUS = Path(__file__).resolve().parents[1] / "programs" / "pybricks_corpus"


def _directives(path: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    options: dict[str, Any] = {"press": []}
    expects: list[tuple[str, str]] = []
    for line in path.read_text().splitlines():
        if line.startswith("# corpus:"):
            for item in line[len("# corpus:"):].split():
                key, _, value = item.partition("=")
                if key == "press":
                    options["press"].append(value)
                elif key == "duration":
                    options["duration"] = float(value)
                else:
                    options[key] = value
        elif line.startswith("# expect:"):
            body = line[len("# expect:"):].strip()
            if body.startswith("output="):
                expects.append(("output", body[len("output="):]))
            else:
                expects += [tuple(item.split("=", 1)) for item in body.split()]  # type: ignore[misc]
    return options, expects


def _near(value: float, spec: str) -> bool:
    want, _, tol = spec.partition("+-")
    return abs(value - float(want)) <= float(tol or 0)


def _problems(path: Path) -> list[str]:
    options, expects = _directives(path)
    assert expects, f"{path.name}: no '# expect:' line"
    r = simulate(path, **options)
    out: list[str] = []
    if r.status != "finished":
        return [f"status {r.status}: {r.error}"]
    lines = r.output.splitlines()
    kinds = {e["kind"] for e in r.events}
    for key, spec in expects:
        if key == "output" and not any(line.startswith(spec) for line in lines):
            out.append(f"no output line starting {spec!r} in {r.output!r}")
        elif key in ("x", "y") and not _near(r.pose[0 if key == "x" else 1], spec):
            out.append(f"{key} {r.pose[0 if key == 'x' else 1]:.1f}, not {spec}")
        elif key == "imu" and not _near(r.imu_heading_deg, spec):
            out.append(f"imu heading {r.imu_heading_deg:.1f}, not {spec}")
        elif key == "moved" and r.distance_mm < float(spec):
            out.append(f"moved {r.distance_mm:.0f} mm, less than {spec}")
        elif key == "contacts" and r.contacts["count"] != int(spec):
            out.append(f"{r.contacts['count']} contacts, not {spec}")
        elif key == "event" and spec not in kinds:
            out.append(f"no {spec!r} event (events: {sorted(kinds)})")
    return out


def test_every_program_of_the_corpus_does_what_it_says() -> None:
    programs = sorted(CORPUS.glob("*.py"))
    assert len(programs) >= 30
    failed = {p.name: found for p in programs if (found := _problems(p))}
    passed = len(programs) - len(failed)
    print(f"\npybricks corpus: {passed} of {len(programs)} programs pass "
          f"({100.0 * passed / len(programs):.0f} %)")
    for name, found in failed.items():
        print(f"  {name}: {'; '.join(found)}")
    assert not failed, failed


POSE = re.compile(r"^pose +x=(-?\d+) mm, y=(-?\d+) mm, heading=(-?[\d.]+)°", re.M)


def _board_programs() -> list[Path]:
    # Not the EV3 programs (pushing to an EV3 is refused, and no kit board is one), nor
    # those that connect to a remote, a LEGO hub or a controller (a kit board has none).
    radio = ("Remote(", "XboxController(", "DuploTrain(", "TechnicMoveHub(", "MarioHub(")
    return [p for p in sorted(CORPUS.glob("*.py"))
            if "EV3Brick" not in p.read_text() and "press=" not in p.read_text()
            and not any(r in p.read_text() for r in radio)]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32" or shutil.which("micropython") is None,
                    reason="MicroPython's unix port (and POSIX ptys) needed")
def test_the_corpus_runs_as_mpy_on_the_simulated_board_as_in_the_simulator(
        robokit_board: Callable[..., tuple[Any, str]]) -> None:
    programs = _board_programs()
    assert len(programs) >= 25
    differ = {}
    for path in programs:
        options, _ = _directives(path)
        sim = simulate(path, world=options.get("world", "empty"))
        board, port = robokit_board(vm="micropython", world=options.get("world", "empty"))
        r = invoke("run", path, "--port", port)
        found = []
        if r.exit_code != 0:
            found.append(f"exit {r.exit_code}: {r.stderr[-300:]}")
        else:
            output = r.stdout.split("\n\n── ", 1)[0] + "\n"
            m = POSE.search(r.stdout)
            if output != sim.output:
                found.append(f"printed {output!r}, the simulator {sim.output!r}")
            if m is None or abs(float(m[1]) - sim.pose[0]) > 2 or \
                    abs(float(m[2]) - sim.pose[1]) > 2 or \
                    abs(float(m[3]) - sim.imu_heading_deg) > 1:
                found.append(f"ended at {m and m.groups()}, the simulator at "
                             f"{sim.pose[:2]} heading {sim.imu_heading_deg:.1f}")
        board.close()
        if found:
            differ[path.name] = found
    same = len(programs) - len(differ)
    print(f"\npybricks corpus on the simulated board: {same} of {len(programs)} end as in "
          "the simulator")
    assert not differ, differ
