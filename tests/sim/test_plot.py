"""plot_run: the PNG of a run (path over the mat, sensor traces)."""

from __future__ import annotations

import math
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


# -- what happened when: the events lane, the colour band, where a contact was -----------

def _right_half(path: Path) -> np.ndarray:
    import matplotlib.image

    img = matplotlib.image.imread(str(path))
    return img[:, img.shape[1] // 2 :]


def test_hello_shows_its_beep_light_and_display_on_the_time_axis(tmp_path: Path) -> None:
    """hello.py drives nowhere: its whole program is a print, a green light, a beep and
    "HI" on the display. The plot's right half shows the light's green and the beep's
    colour (before: a flat motor chart alone)."""
    from robokit.sim.plot_lanes import KIND_COLORS

    result = simulate(ROOT / "examples" / "hello.py")
    out = tmp_path / "hello.png"
    plot_run(result, out)
    right = _right_half(out)
    assert _mask(right, "#00ff00", tol=0.1).sum() > 500  # the light: Color.GREEN, on a while
    assert _mask(right, KIND_COLORS["beep"], tol=0.1).sum() > 50


def test_the_events_lane_has_each_event_at_its_time() -> None:
    from robokit.sim.plot import plot_figure

    result = simulate(ROOT / "examples" / "hello.py")
    fig = plot_figure(result)
    (lane,) = [ax for ax in fig.axes if ax.get_title(loc="left") == "events"]
    marks = {line.get_label(): list(line.get_xdata()) for line in lane.get_lines()}
    beeps = [e["t_ms"] / 1000 for e in result.events if e["kind"] == "beep"]
    assert beeps and marks["beep"] == pytest.approx(beeps)
    prints = [t / 1e6 for t, _text in result.telemetry.output]
    assert len(prints) == 2 and marks["print"] == pytest.approx(prints)
    assert [t.get_text() for t in lane.texts if t.get_text() == "HI"] == ["HI"]  # the display
    rows = [t.get_text() for t in lane.get_yticklabels()]
    assert rows == ["print", "sound", "light", "display"]
    # the light's span: green from when it went on to when it went off
    lights = [e for e in result.events if e["kind"] == "light"]
    (bar,) = [c for c in lane.collections if c.get_label() == "light"]
    assert tuple(bar.get_facecolor()[0][:3]) == pytest.approx((0.0, 1.0, 0.0))
    x0, x1 = bar.get_paths()[0].get_extents().intervalx
    assert (x0, x1) == pytest.approx((lights[0]["t_ms"] / 1000, lights[1]["t_ms"] / 1000))
    # its wheels never turned: no flat motor chart, the events lane is the whole right side
    assert fig.axes[1:] == [lane]


def test_a_program_reading_color_gets_a_band_of_the_colour_it_saw() -> None:
    """maze_solver reads color() until it sees GREEN: the plot has a colour band for the
    sensor ending in green, labelled by what the program read, and no flat
    "reflection %" trace (it never read reflection())."""
    from robokit.sim.plot import plot_figure

    result = simulate(ROOT / "examples" / "maze_solver.py")
    assert result.status == "finished"
    fig = plot_figure(result)
    assert "reflection %" not in [ax.get_ylabel() for ax in fig.axes]
    (band,) = [ax for ax in fig.axes if "the colour under the sensor" in ax.get_title(loc="left")]
    assert "color()" in band.get_title(loc="left")
    spans = [(path.get_extents().x1, c.get_label(), tuple(c.get_facecolor()[0][:3]))
             for c in band.collections for path in c.get_paths()]
    last = max(spans)
    assert last[1] == "GREEN" and last[2] == pytest.approx((0.0, 1.0, 0.0))
    assert last[0] == pytest.approx(result.sim_time_s, abs=0.05)
    assert {label for _x, label, _c in spans} == {"WHITE", "GREEN"}
    # on the same time axis as the traces and the events
    (lane,) = [ax for ax in fig.axes if ax.get_title(loc="left") == "events"]
    assert band.get_shared_x_axes().joined(band, fig.axes[1])
    assert band.get_shared_x_axes().joined(band, lane)


def test_a_program_reading_reflection_keeps_its_reflection_trace() -> None:
    from robokit.sim.plot import plot_figure

    fig = plot_figure(simulate(PROGRAMS / "follow_short.py"))
    assert "reflection %" in [ax.get_ylabel() for ax in fig.axes]
    assert not [ax for ax in fig.axes if "colour under" in ax.get_title(loc="left")]


def test_the_contact_cross_is_where_the_body_touched(tmp_path: Path) -> None:
    """Driving straight into the south wall: the cross is on the front edge of the body
    (the event records the centre; before, the cross was drawn there), against the wall."""
    from robokit.sim.plot import plot_figure

    prog = tmp_path / "ram.py"
    prog.write_text(textwrap.dedent("""\
        from robokit import robot
        robot.drive_base.turn(180)      # face the south wall
        robot.drive_base.straight(400)  # and push into it
    """))
    result = simulate(prog, world="arena", duration=4)
    (contact,) = [e for e in result.events if e["kind"] == "contact"]
    fig = plot_figure(result)
    (cross,) = [line for line in fig.axes[0].get_lines()
                if line.get_label().startswith("contact")]
    x, y = cross.get_xdata()[0], cross.get_ydata()[0]
    front = result.brick.robot["body"]["front"]
    # ahead of the centre along the heading it pushed with (its end heading: it stalled)
    h = math.radians(result.pose[2])
    ex = contact["x_mm"] + front * math.cos(h)
    ey = contact["y_mm"] + front * math.sin(h)
    assert (x, y) == pytest.approx((ex, ey), abs=1.0)
    assert math.hypot(x - contact["x_mm"], y - contact["y_mm"]) == pytest.approx(front, abs=1)
    # on the wall: the world's south wall is within a few mm of the cross
    assert result.world.rect_contact(x, y, 0.0, 2.0, -2.0, 2.0, 3.0)
