"""A picture of a simulated run: the path over the mat, and the sensor traces.

``plot_run(result, "run.png")`` writes a PNG: on the left the world's mat drawn to
scale (painted shapes, walls, boxes) with the robot's path, its start, its outline at
the end pose and a cross where its body touched a wall or box; on the right, on one
simulated time axis: the main sensors' readings and the motors' speeds, a band of the
colour under each colour sensor a program reads colours with (``color()``, ``hsv()``,
``rgb()``), and an events lane (prints, beeps and notes, the hub light's colours,
display text and icons, contacts, buttons, an error) -- what happened when.

matplotlib is imported only inside :func:`plot_run` (object API, Agg canvas, no
pyplot), so importing :mod:`robokit.sim` stays light and nothing global changes.
"""

from __future__ import annotations

import gc
import io
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .plot_lanes import colour_lanes, contact_point, draw_colour_lane, draw_events, program_reads

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = ["FIGSIZE_IN", "DPI", "PATH_COLOR", "plot_figure", "plot_run", "png_bytes"]

#: Size of the picture: inches at DPI dots per inch (1400 x 700 pixels).
FIGSIZE_IN = (14.0, 7.0)
DPI = 100
#: zlib level of the PNG files (1 fastest, 9 smallest).
PNG_LEVEL = 3
#: Colour of the robot's path (no mat colour is near it).
PATH_COLOR = "#ff00aa"
START_COLOR = "#00a651"
END_COLOR = "#0050ff"
CONTACT_COLOR = "#e00000"
#: Longest side of the mat picture, in pixels.
MAT_PIXELS = 700
#: On a bare floor the plot shows the path's surroundings, at least this wide (mm).
ZOOM_MIN_MM = 1000.0

# Sensor types plotted against time: (panel title, unit label).
_SENSOR_PANELS: dict[str, tuple[str, str]] = {
    "ColorSensor": ("colour sensor", "reflection %"),
    "UltrasonicSensor": ("ultrasonic sensor", "distance mm"),
    "ForceSensor": ("force sensor", "force N"),
}
_TRACE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf")


def _nan_list(values: list[float], sign: float = 1.0) -> list[float]:
    return [math.nan if v is None else sign * float(v) for v in values]


def _speed(rec: Any, name: str, dev: dict[str, Any]) -> list[float]:
    """A motor's speed as the program's Motor.speed() reads it (its positive_direction:
    the telemetry has that sign already)."""
    return _nan_list(rec.column(f"{name}_speed"))


def _panels(result: RunResult) -> list[tuple[str, str, list[tuple[str, list[float]]]]]:
    """The time traces to draw: (title, unit, [(label, values)]) per panel."""
    rec = result.telemetry
    cols = set(rec.columns)
    robot = result.brick.robot
    devices: dict[str, dict[str, Any]] = robot["devices"]
    panels: list[tuple[str, str, list[tuple[str, list[float]]]]] = []
    for dtype, (title, unit) in _SENSOR_PANELS.items():
        traces = []
        for name, dev in devices.items():
            if dev["type"] != dtype or name not in cols:
                continue
            values = _nan_list(rec.column(name))
            if any(not math.isnan(v) for v in values):  # never read: nothing to show
                traces.append((f"{name} (Port.{dev['port']})", values))
        if traces:
            panels.append((title, unit, traces))
    drive = robot.get("drive_base")
    motors = [n for n, d in devices.items() if d["type"] in ("Motor", "DCMotor")]
    wheels = [drive["left"], drive["right"]] if drive else []
    traces = [(f"{n} (Port.{devices[n]['port']})", _speed(rec, n, devices[n]))
              for n in wheels if f"{n}_speed" in cols]
    if traces:
        panels.append(("drive motors", "speed °/s", traces))
    others = []
    for n in motors:
        if n in wheels or f"{n}_speed" not in cols:
            continue
        values = _speed(rec, n, devices[n])
        if any(v != 0.0 and not math.isnan(v) for v in values):  # only motors that moved
            others.append((f"{n} (Port.{devices[n]['port']})", values))
    if others:
        panels.append(("other motors", "speed °/s", others))
    return panels


def _outline(pose: tuple[float, float, float], body: dict[str, float]
             ) -> list[tuple[float, float]]:
    """The body's rectangle at ``pose`` (world frame), plus the nose point for the heading."""
    x, y, h = pose
    c, s = math.cos(math.radians(h)), math.sin(math.radians(h))
    front, back, hw = body["front"], body["back"], body["width"] / 2.0
    local = [(back, -hw), (front, -hw), (front, hw), (back, hw)]
    return [(x + c * u - s * v, y + s * u + c * v) for u, v in local]


def _frame_map(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    """Show ``x0..x1`` by ``y0..y1`` mm of the world on ``ax``, to scale, with a margin of
    4 % of the larger side all round, and the axes named."""
    pad = 0.04 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")


def _wall_patches(world: Any) -> list[Any]:
    """Walls as filled quads and round joints; boxes as filled rectangles."""
    from matplotlib.patches import Circle, Polygon

    from .world import color_hex

    patches: list[Any] = []
    for w in world.wall_shapes:
        colour = color_hex(w.color)
        pts = list(w.points)
        if w.closed and pts[0] != pts[-1]:
            pts.append(pts[0])
        r = w.thickness / 2.0
        for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:], strict=True):
            length = math.hypot(bx - ax, by - ay)
            if length == 0:
                continue
            nx, ny = -(by - ay) / length * r, (bx - ax) / length * r
            quad = [(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny)]
            patches.append(Polygon(quad, closed=True, facecolor=colour, edgecolor="none",
                                   zorder=2))
        for px, py in pts:
            patches.append(Circle((px, py), r, facecolor=colour, edgecolor="none", zorder=2))
    for b in world.boxes:
        patches.append(Polygon(list(b.corners()), closed=True, facecolor=color_hex(b.color),
                               edgecolor="#303030", linewidth=0.8, zorder=2))
    return patches


#: Robots 1, 2, ... of a run of several, in pictures (the replay's colours).
ROBOT_COLORS = ("#5a9e00", "#00b0ff", "#ff6d00", "#d500f9", "#c8a800", "#00b894")


def object_patches(objects: Iterable[Any], where: list[tuple[float, float]] | None = None
                   ) -> list[Any]:
    """Patches of movable objects (``world.objects``), at their places in ``where`` (one
    (x, y) each) or where the world puts them."""
    from matplotlib.patches import Circle, Polygon

    from .world import color_hex

    out: list[Any] = []
    for k, o in enumerate(objects):
        cx, cy = where[k] if where is not None else o.center
        color = color_hex(o.color)
        if o.shape == "box":
            a = math.radians(o.angle)
            c, s = math.cos(a), math.sin(a)
            w, d = o.size[0] / 2.0, o.size[1] / 2.0
            pts = [(cx + c * u - s * v, cy + s * u + c * v)
                   for u, v in ((-w, -d), (w, -d), (w, d), (-w, d))]
            out.append(Polygon(pts, closed=True, facecolor=color, edgecolor="#202020",
                               linewidth=0.8, zorder=4))
        else:
            out.append(Circle((cx, cy), o.radius, facecolor=color, edgecolor="#202020",
                              linewidth=0.8, zorder=4))
    return out


def plot_run(result: RunResult, path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Write a PNG picture of ``result`` (a :class:`~robokit.sim.runner.RunResult`) to ``path``
    by :func:`robokit._files.write_output` (never over one of ``inputs``, the run's own
    files; through a device or pipe; renamed only onto a regular file)."""
    with collector_paused():
        data = png_bytes(plot_figure(result))
    from .._files import write_output

    write_output(path, data, inputs=inputs, what="plot")


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the body: importing matplotlib and drawing a figure
    allocate hundreds of thousands of objects that all live on, and the collector's
    passes over them cost ~10 % of the plot's CPU time for nothing.  It runs again after
    (when it was on), and collects then what the body left."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def png_bytes(fig: Any) -> bytes:
    """The PNG of ``fig`` (an Agg-canvas ``Figure``) at :data:`DPI`: drawn once, written as
    RGB (the figure is opaque: no alpha channel to store) at a zlib level that costs half
    the time of matplotlib's for a file no larger."""
    from PIL import Image

    canvas = fig.canvas
    canvas.draw()
    width, height = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))
    return buf.getvalue()


def plot_figure(result: RunResult) -> Any:
    """The picture :func:`plot_run` writes, as a matplotlib ``Figure`` (Agg canvas, no
    pyplot): the mat axes first, then the traces, the colour bands and the events lane
    (titled "events"), top to bottom."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon, Rectangle

    from .surface import render

    world = result.world
    rec = result.telemetry
    body = result.brick.robot["body"]

    fig = Figure(figsize=FIGSIZE_IN, dpi=DPI)
    FigureCanvasAgg(fig)
    panels = _panels(result)
    reads = program_reads(result)
    lanes = colour_lanes(result) if reads is None or reads & {"color", "hsv", "rgb"} else []
    if reads is not None and "reflection" not in reads and lanes:
        # the program read colours, not reflection: the band says what it saw
        banded = {f"{name} (Port.{port})" for name, port, *_ in lanes}
        panels = [(title, unit, [tr for tr in traces if tr[0] not in banded])
                  for title, unit, traces in panels]
        panels = [p for p in panels if p[2]]
    grid = fig.add_gridspec(1, 2, width_ratios=(1.0, 1.0), left=0.07, right=0.98,
                            bottom=0.08, top=0.9, wspace=0.18)
    # wheels that never turned (a program that only prints, beeps and lights up): no
    # flat chart, the events say what it did
    panels = [p for p in panels if p[1] != "speed °/s"
              or any(v != 0.0 and not math.isnan(v) for _label, vs in p[2] for v in vs)]
    heights = [3.0] * len(panels) + [0.8] * len(lanes) + [2.0 if panels or lanes else 4.0]
    right = grid[0, 1].subgridspec(len(heights), 1, height_ratios=heights, hspace=0.55)

    # -- left: the mat, the path, the robot ---------------------------------------------
    ax = fig.add_subplot(grid[0, 0])
    ax.set_facecolor("#d8d8d8")  # beyond the world's bounds: no mat
    x0, y0, x1, y1 = world.bounds
    mm_per_px = max(x1 - x0, y1 - y0) / MAT_PIXELS
    ax.imshow(render(world, mm_per_px=mm_per_px), extent=(x0, x1, y0, y1), origin="upper",
              interpolation="bilinear", zorder=0)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#606060",
                           linewidth=1.0, zorder=1))
    for patch in _wall_patches(world):
        ax.add_patch(patch)

    xs = _nan_list(rec.column("x_mm")) if "x_mm" in rec.columns else []
    ys = _nan_list(rec.column("y_mm")) if "y_mm" in rec.columns else []
    end = result.pose
    start = result.start_pose
    if not xs:
        xs, ys = [start[0]], [start[1]]
    xs.append(end[0])
    ys.append(end[1])
    ax.plot(xs, ys, color=PATH_COLOR, linewidth=2.0, solid_capstyle="round", zorder=4,
            label=f"path ({result.distance_mm:.0f} mm)")
    ax.add_patch(Polygon(_outline(start, body), closed=True, fill=False, edgecolor=START_COLOR,
                         linestyle="--", linewidth=1.0, zorder=3))
    ax.plot([start[0]], [start[1]], marker="o", markersize=8, color=START_COLOR,
            linestyle="none", zorder=5, label="start")
    corners = _outline(end, body)
    ax.add_patch(Polygon(corners, closed=True, fill=False, edgecolor=END_COLOR, linewidth=1.8,
                         zorder=5))
    nose = ((corners[1][0] + corners[2][0]) / 2, (corners[1][1] + corners[2][1]) / 2)
    ax.plot([end[0], nose[0]], [end[1], nose[1]], color=END_COLOR, linewidth=1.8, zorder=5)
    ax.plot([end[0]], [end[1]], marker="s", markersize=6, color=END_COLOR, linestyle="none",
            zorder=5, label="end")
    contacts = [e for e in result.events if e.get("kind") == "contact"]
    if contacts:
        touched = [contact_point(result, e) for e in contacts]
        ax.plot([p[0] for p in touched], [p[1] for p in touched], marker="x",
                markersize=10, markeredgewidth=2.5, color=CONTACT_COLOR, linestyle="none",
                zorder=6, label=f"contact ({len(contacts)})")

    for i, rival in enumerate(result.robots[1:], start=1):  # several robots: each in colour
        colour = ROBOT_COLORS[i % len(ROBOT_COLORS)]
        orec = rival.telemetry
        oxs = _nan_list(orec.column("x_mm")) + [rival.pose[0]]
        oys = _nan_list(orec.column("y_mm")) + [rival.pose[1]]
        ax.plot(oxs, oys, color=colour, linewidth=2.0, zorder=4,
                label=f"robot {i + 1}: {rival.program} ({rival.distance_mm:.0f} mm)")
        ax.add_patch(Polygon(_outline(rival.pose, rival.brick.robot["body"]), closed=True,
                             fill=False, edgecolor=colour, linewidth=1.8, zorder=5))
        xs, ys = xs + oxs, ys + oys
    arena = getattr(result.brick, "arena", None)
    if arena is not None and arena.things:  # the objects, where they ended
        for patch in object_patches([th.spec for th in arena.things],
                                    [(th.x, th.y) for th in arena.things]):
            ax.add_patch(patch)

    # Show the whole world, and the path too if the robot left it; on a bare floor (nothing
    # painted, no walls) show the neighbourhood of the path instead.
    reach = max(abs(body["front"]), abs(body["back"]), body["width"] / 2)
    finite = [(x, y) for x, y in zip(xs, ys, strict=True) if not (math.isnan(x) or math.isnan(y))]
    px0 = min(x for x, _ in finite) - reach
    px1 = max(x for x, _ in finite) + reach
    py0 = min(y for _, y in finite) - reach
    py1 = max(y for _, y in finite) + reach
    if world.shapes or world.wall_shapes or world.boxes:
        lx0, ly0, lx1, ly1 = min(x0, px0), min(y0, py0), max(x1, px1), max(y1, py1)
    else:
        half = max(px1 - px0, py1 - py0, ZOOM_MIN_MM) / 2
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        lx0, lx1, ly0, ly1 = cx - half, cx + half, cy - half, cy + half
    _frame_map(ax, lx0, ly0, lx1, ly1)
    ax.set_title(f"world: {world.name}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)

    # -- right: traces, colour bands and events against simulated time -------------------
    t = [v / 1000.0 for v in rec.column("t_ms")] if "t_ms" in rec.columns else []
    end_s = max(t[-1] if t else 0.0, result.sim_time_s, 1e-3)
    cells = iter([right[k] for k in range(len(heights))])
    first = None
    for title, unit, traces in panels:
        tax = fig.add_subplot(next(cells), sharex=first)
        first = first or tax
        for k, (label, values) in enumerate(traces):
            tax.plot(t, values, color=_TRACE_COLORS[k % len(_TRACE_COLORS)], linewidth=1.2,
                     label=label)
        tax.set_ylabel(unit, fontsize=8)
        if unit.startswith("speed"):
            tax.axhline(0.0, color="#808080", linewidth=0.6)
        tax.set_title(title, fontsize=9, loc="left")
        tax.tick_params(labelsize=8)
        tax.grid(True, alpha=0.3)
        tax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    for lane in lanes:
        lax = fig.add_subplot(next(cells), sharex=first)
        first = first or lax
        draw_colour_lane(lax, lane, reads, end_s)
    eax = fig.add_subplot(next(cells), sharex=first)
    first = first or eax
    draw_events(eax, result, end_s)
    eax.set_xlabel("simulated time (s)")
    for other in fig.axes[1:-1]:
        other.tick_params(labelbottom=False)
    first.set_xlim(0.0, end_s)

    status = result.status
    if status == "error" and result.error:
        status += f" ({result.error.get('type')})"
    fig.suptitle(f"{result.program} on {world.name}: {status}, "
                 f"{result.sim_time_s:.2f} s simulated", fontsize=12)
    return fig
