"""A program's own module named as one of Python's (``types.py``, ``enum.py``, ``copy.py``:
MicroPython has none of them, so a brick runs the program's) is the program's in the
simulator too, and robokit and Python keep theirs."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest

from robokit.sim import simulate
from robokit.virtual.mpvm import micropython_path


def project(tmp_path: Path) -> Path:
    (tmp_path / "types.py").write_text("KIND = 'my types'\n", encoding="utf-8")
    (tmp_path / "enum.py").write_text(textwrap.dedent("""\
        import types  # its sibling, not Python's
        from types import KIND

        def colours():
            return KIND, ["red", "green"]
        """), encoding="utf-8")
    main = tmp_path / "main.py"
    main.write_text(textwrap.dedent("""\
        import enum
        import types as t
        from robokit import robot

        print(enum.colours(), t.KIND)
        robot.drive_base.straight(50)
        print("drove", robot.drive_base.distance())
        """), encoding="utf-8")
    return main


def test_the_programs_own_types_and_enum_run_and_robokits_stay(tmp_path: Path) -> None:
    r = simulate(project(tmp_path), duration=5)
    assert r.status == "finished", r.error
    assert r.output == "('my types', ['red', 'green']) my types\ndrove 50\n"
    assert sys.modules["types"] is types  # Python's, for robokit and everyone else
    assert "enum" not in sys.modules or sys.modules["enum"].__file__ != str(tmp_path / "enum.py")


@pytest.mark.skipif(micropython_path() is None, reason="needs MicroPython's unix port")
def test_exact_runs_the_same_modules(tmp_path: Path) -> None:
    from robokit.targets.micropython.exact import run_exact
    from robokit.virtual.exact import ExactBoard, run_settings

    main = project(tmp_path)
    w, seconds = run_settings(main, None, 5.0)
    board = ExactBoard(w, duration_s=seconds)
    try:
        got = run_exact(main, board)
    finally:
        board.close()
    assert got.output == simulate(main, duration=5).output
