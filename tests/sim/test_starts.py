"""A robot whose body starts inside a wall, a box, an object or another robot could
never move: the run is refused before it begins, in one message naming the world file;
a body that only touches (set against a wall) starts and drives away."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.errors import WorldError
from robokit.sim import simulate
from robokit.virtual.mpvm import micropython_path

BACK_AWAY = "from robokit import robot\nrobot.drive_base.straight(-200)\nprint('away')\n"
AHEAD = "from robokit import robot\nrobot.drive_base.straight(200)\nprint('ahead')\n"


def _file(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _world_with_box(tmp_path: Path, x: float) -> Path:
    """A 100 mm box centred at (x, 0); the standard rover starts at (0, 0) facing +x,
    its body from 60 mm behind to 90 mm ahead, 75 mm to each side."""
    return _file(tmp_path / "boxy.toml", f"""\
        name = "boxy"
        size = [2000, 2000]
        [start]
        x = 0
        y = 0
        heading = 0
        [[boxes]]
        center = [{x}, 0]
        size = [100, 100]
    """)


def test_a_body_that_starts_in_a_box_is_refused_naming_the_world(tmp_path: Path) -> None:
    w = _world_with_box(tmp_path, 130)  # the box from 80 to 180: 10 mm into the body
    prog = _file(tmp_path / "back.py", BACK_AWAY)
    with pytest.raises(WorldError, match=r"boxy.toml: the robot starts at \(0, 0\) heading "
                                         r"0° with its body in a wall or box"):
        simulate(prog, world=w)
    r = invoke("run", prog, "--world", w)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "reaches 90 mm ahead of that point, 60 mm behind and 75 mm to each side" \
        in r.stderr
    if micropython_path() is not None:  # the same with the robot in MicroPython's VM
        e = invoke("run", prog, "--world", w, "--exact")
        assert (e.exit_code, e.stderr) == (2, r.stderr)


def test_a_body_that_touches_a_box_starts_and_drives_away(tmp_path: Path) -> None:
    w = _world_with_box(tmp_path, 140)  # the box from 90: just touching the front
    r = simulate(_file(tmp_path / "back.py", BACK_AWAY), world=w)
    assert r.status == "finished" and r.output == "away\n"
    assert r.distance_mm == pytest.approx(200, abs=2)
    r = simulate(_file(tmp_path / "ahead.py", AHEAD), world=w, duration=3)
    assert r.distance_mm < 1  # into the box it touches: it cannot go


def test_two_robots_whose_bodies_overlap_at_their_starts_are_refused(tmp_path: Path) -> None:
    def world(gap: float) -> Path:
        return _file(tmp_path / "close.toml", f"""\
            name = "close"
            size = [2000, 2000]
            [[robots]]
            x = 0
            y = 0
            heading = 0
            [[robots]]
            x = {gap}
            y = 0
            heading = 0
        """)

    prog = _file(tmp_path / "ahead.py", AHEAD)
    with pytest.raises(WorldError, match="robot 1 starts .* in another robot or an object"):
        simulate([prog, prog], world=world(100))  # 90 ahead of 1 and 60 behind 2 overlap
    r = simulate([prog, prog], world=world(400))
    assert [x.output for x in r.robots] == ["ahead\n", "ahead\n"]


def test_a_body_that_starts_in_an_object_is_refused(tmp_path: Path) -> None:
    w = _file(tmp_path / "can.toml", """\
        name = "can"
        size = [2000, 2000]
        [[objects]]
        shape = "cylinder"
        center = [110, 0]
        radius = 33
    """)
    with pytest.raises(WorldError, match="its body in another robot or an object"):
        simulate(_file(tmp_path / "back.py", BACK_AWAY), world=w)
