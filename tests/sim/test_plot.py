"""plot_run: the PNG of a run (path over the mat, sensor traces)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from robokit.sim import simulate
from robokit.sim.plot import DPI, FIGSIZE_IN, PATH_COLOR, _panels, plot_run

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])


def _mask(img: np.ndarray, hex_colour: str, tol: float = 0.12) -> np.ndarray:
    """Pixels of ``img`` (h, w, 3|4 floats) within ``tol`` of a colour in every channel."""
    return np.all(np.abs(img[:, :, :3] - _rgb(hex_colour)) < tol, axis=2)


def _clusters(indices: np.ndarray) -> list[float]:
    """Centres of runs of consecutive integers (e.g. the columns of a 2 px thick line)."""
    out: list[list[int]] = []
    for i in indices.tolist():
        if out and i - out[-1][-1] <= 2:
            out[-1].append(i)
        else:
            out.append([i])
    return [sum(c) / len(c) for c in out]


@pytest.fixture(scope="module")
def square_png(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    result = simulate(ROOT / "examples" / "square.py", world="empty")
    assert result.status == "finished"
    path = tmp_path_factory.mktemp("plot") / "square.png"
    plot_run(result, path)
    return path, result


def test_png_is_written_with_the_expected_size(square_png: tuple[Path, object]) -> None:
    import matplotlib.image

    path, _ = square_png
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = matplotlib.image.imread(str(path))
    assert img.shape[:2] == (round(FIGSIZE_IN[1] * DPI), round(FIGSIZE_IN[0] * DPI))


def test_the_square_path_is_drawn_to_scale(square_png: tuple[Path, object]) -> None:
    """The 400 mm square shows as two long vertical and two long horizontal strokes of the
    path colour, as far apart across as down (equal aspect), in the left half, with the
    start marker at its top-left corner (the robot drove east, then turned right: south)."""
    import matplotlib.image

    path, _ = square_png
    img = matplotlib.image.imread(str(path))
    h, w = img.shape[:2]
    on_path = _mask(img, PATH_COLOR)
    assert on_path[:, w // 2 :].sum() == 0  # the traces use other colours
    cols = _clusters(np.nonzero(on_path.sum(axis=0) >= 100)[0])
    rows = _clusters(np.nonzero(on_path.sum(axis=1) >= 100)[0])
    assert len(cols) == 2 and len(rows) == 2, (cols, rows)
    side_x = cols[1] - cols[0]
    side_y = rows[1] - rows[0]
    assert side_x > 100  # drawn big enough to see
    assert side_y == pytest.approx(side_x, rel=0.05)  # equal aspect
    assert cols[1] < w // 2
    start = _mask(img, "#00a651", tol=0.15)
    ys, xs = np.nonzero(start)
    at_corner = (np.abs(xs - cols[0]) < 12) & (np.abs(ys - rows[0]) < 12)
    assert at_corner.sum() > 10
    at_other_corners = (np.abs(xs - cols[1]) < 12) | (np.abs(ys - rows[1]) < 12)
    assert at_other_corners.sum() == 0


def test_a_robot_that_did_not_move_has_no_path(square_png: tuple[Path, object],
                                                tmp_path: Path) -> None:
    import matplotlib.image

    result = simulate(PROGRAMS / "still.py")
    assert result.status == "finished" and result.distance_mm == 0
    still = tmp_path / "still.png"
    plot_run(result, still)
    a = matplotlib.image.imread(str(still))
    b = matplotlib.image.imread(str(square_png[0]))
    assert a.shape == b.shape
    assert not np.array_equal(a, b)
    on_path = _mask(a, PATH_COLOR)
    assert (on_path.sum(axis=0) >= 100).sum() == 0  # no long stroke of path anywhere


def test_contacts_are_red_crosses(tmp_path: Path) -> None:
    import matplotlib.image

    prog = tmp_path / "ram.py"
    prog.write_text(textwrap.dedent("""\
        from robokit import robot
        robot.drive_base.turn(180)      # face the south wall, ~110 mm ahead
        robot.drive_base.straight(400)  # and push into it
    """))
    result = simulate(prog, world="arena", duration=4)
    contacts = [e for e in result.events if e["kind"] == "contact"]
    assert contacts
    out = tmp_path / "ram.png"
    plot_run(result, out)
    img = matplotlib.image.imread(str(out))
    assert _mask(img, "#e00000", tol=0.1)[:, : img.shape[1] // 2].sum() > 20
    # and a run without contacts has none of that red
    calm = tmp_path / "calm.png"
    plot_run(simulate(PROGRAMS / "still.py", world="arena"), calm)
    assert _mask(matplotlib.image.imread(str(calm)), "#e00000", tol=0.1).sum() == 0


def test_traces_show_the_sensors_read_and_the_drive_motors() -> None:
    square = simulate(ROOT / "examples" / "square.py")
    panels = {title: traces for title, _unit, traces in _panels(square)}
    assert list(panels) == ["drive motors"]  # no sensor was read
    # speeds as the program sees them: both wheels positive when driving forward
    for _label, values in panels["drive motors"]:
        assert max(values) > 300
    follow = simulate(PROGRAMS / "follow_short.py")
    titles = [title for title, _unit, _traces in _panels(follow)]
    assert titles == ["colour sensor", "drive motors"]
    arm = simulate(ROOT / "examples" / "arm.py")
    assert [t for t, _u, _tr in _panels(arm)] == ["drive motors", "other motors"]


def test_plot_leaves_matplotlib_global_state_alone(tmp_path: Path) -> None:
    """import robokit.sim stays light; plot_run uses no pyplot (no global figures)."""
    code = textwrap.dedent(f"""\
        import sys
        import robokit.sim
        assert "matplotlib" not in sys.modules, "import robokit.sim imported matplotlib"
        from robokit.sim.plot import plot_run
        assert "matplotlib" not in sys.modules, "import robokit.sim.plot imported matplotlib"
        result = robokit.sim.simulate({str(PROGRAMS / "still.py")!r})
        plot_run(result, {str(tmp_path / "x.png")!r})
        assert "matplotlib.pyplot" not in sys.modules, "plot_run imported pyplot"
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x.png").read_bytes()[:8] == PNG_SIGNATURE
