"""What a picture of a run shows, worked out once for both of its formats.

:func:`scene` reads a :class:`~robokit.sim.runner.RunResult` into a :class:`Scene`: the
title; the part of the world the map shows, the robot's path, start and end, the
contacts, the other robots and the objects; the time panels (which sensors and motors,
which colour bands, the events lane) and their heights.  :mod:`robokit.sim.plot_svg`
writes a scene as SVG (which :mod:`robokit.sim.svgraster` draws as the PNG), and
:func:`robokit.sim.plot.plot_figure` draws it with matplotlib; the choices of what to
show live here only.  Pure Python: no numpy, no matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .plot_lanes import (
    Band,
    EventLane,
    colour_band,
    colour_lanes,
    contact_point,
    event_lane,
    program_reads,
)

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = ["PATH_COLOR", "ROBOT_COLORS", "START_COLOR", "Panel", "Scene", "outline", "panels",
           "scene"]

#: Colour of the robot's path (no mat colour is near it).
PATH_COLOR = "#ff00aa"
START_COLOR = "#00a651"
END_COLOR = "#0050ff"
CONTACT_COLOR = "#e00000"
#: Robots 1, 2, ... of a run of several, in pictures (the replay's colours).
ROBOT_COLORS = ("#5a9e00", "#00b0ff", "#ff6d00", "#d500f9", "#c8a800", "#00b894")
#: The time traces' colours, in order.
TRACE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf")
#: On a bare floor the plot shows the path's surroundings, at least this wide (mm).
ZOOM_MIN_MM = 1000.0
#: Heights of the time panels relative to each other: a trace panel, a colour band, the
#: events lane (the whole column when it is alone).
TRACE_HEIGHT, BAND_HEIGHT, EVENTS_HEIGHT, ALONE_HEIGHT = 3.0, 0.8, 2.0, 4.0

#: One time panel: (title, unit label, [(trace label, values per telemetry row)]).
Panel = tuple[str, str, list[tuple[str, list[float]]]]

# Sensor types plotted against time: (panel title, unit label).
_SENSOR_PANELS: dict[str, tuple[str, str]] = {
    "ColorSensor": ("colour sensor", "reflection %"),
    "UltrasonicSensor": ("ultrasonic sensor", "distance mm"),
    "ForceSensor": ("force sensor", "force N"),
}


def nan_list(values: list[float], sign: float = 1.0) -> list[float]:
    return [math.nan if v is None else sign * float(v) for v in values]


def panels(result: RunResult) -> list[Panel]:
    """The time traces to draw: (title, unit, [(label, values)]) per panel: the sensors
    the program read, the drive motors, the other motors that moved.  A motor's speed is
    as the program's Motor.speed() reads it (the telemetry has that sign already)."""
    rec = result.telemetry
    cols = set(rec.columns)
    robot = result.brick.robot
    devices: dict[str, dict[str, Any]] = robot["devices"]
    out: list[Panel] = []
    for dtype, (title, unit) in _SENSOR_PANELS.items():
        traces = []
        for name, dev in devices.items():
            if dev["type"] != dtype or name not in cols:
                continue
            values = nan_list(rec.column(name))
            if any(not math.isnan(v) for v in values):  # never read: nothing to show
                traces.append((f"{name} (Port.{dev['port']})", values))
        if traces:
            out.append((title, unit, traces))
    drive = robot.get("drive_base")
    motors = [n for n, d in devices.items() if d["type"] in ("Motor", "DCMotor")]
    wheels = [drive["left"], drive["right"]] if drive else []
    traces = [(f"{n} (Port.{devices[n]['port']})", nan_list(rec.column(f"{n}_speed")))
              for n in wheels if f"{n}_speed" in cols]
    if traces:
        out.append(("drive motors", "speed °/s", traces))
    others = []
    for n in motors:
        if n in wheels or f"{n}_speed" not in cols:
            continue
        values = nan_list(rec.column(f"{n}_speed"))
        if any(v != 0.0 and not math.isnan(v) for v in values):  # only motors that moved
            others.append((f"{n} (Port.{devices[n]['port']})", values))
    if others:
        out.append(("other motors", "speed °/s", others))
    return out


def outline(pose: tuple[float, float, float], body: dict[str, float]
            ) -> list[tuple[float, float]]:
    """The body's rectangle at ``pose`` (world frame): back right, front right, front
    left, back left."""
    x, y, h = pose
    c, s = math.cos(math.radians(h)), math.sin(math.radians(h))
    front, back, hw = body["front"], body["back"], body["width"] / 2.0
    local = [(back, -hw), (front, -hw), (front, hw), (back, hw)]
    return [(x + c * u - s * v, y + s * u + c * v) for u, v in local]


def framed(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """``x0..x1`` by ``y0..y1`` mm with a margin of 4 % of the larger side all round, as
    (x0, x1, y0, y1): what a map shows."""
    pad = 0.04 * max(x1 - x0, y1 - y0)
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


@dataclass
class Track:
    """Another robot of a run of several: its path, its end outline, colour and label."""

    xs: list[float]
    ys: list[float]
    outline: list[tuple[float, float]]
    colour: str
    label: str


@dataclass
class Scene:
    """Everything a picture of a run shows (see :func:`scene`)."""

    title: str
    world: Any
    #: What the map shows, x0, x1, y0, y1 in mm (the margin included).
    limits: tuple[float, float, float, float]
    xs: list[float]
    ys: list[float]
    path_label: str
    start: tuple[float, float, float]
    start_outline: list[tuple[float, float]]
    end: tuple[float, float, float]
    end_outline: list[tuple[float, float]]
    #: The middle of the end outline's front edge (the heading).
    nose: tuple[float, float]
    contacts: list[tuple[float, float]]
    others: list[Track]
    #: Movable objects where they ended: (their spec from the world, (x, y)).
    objects: list[tuple[Any, tuple[float, float]]]
    #: Simulated seconds of each telemetry row, and where the time axis ends.
    t: list[float]
    end_s: float
    panels: list[Panel]
    bands: list[Band]
    events: EventLane
    #: Relative heights of the time panels, the bands and the events lane, top to bottom.
    heights: list[float] = field(default_factory=list)


def _how(result: RunResult) -> str:
    """How one robot's run ended: its status, with the error's type."""
    if result.status == "error" and result.error:
        return f"error ({result.error.get('type')})"
    return result.status


def scene(result: RunResult) -> Scene:
    """What a picture of ``result`` shows."""
    world = result.world
    rec = result.telemetry
    body = result.brick.robot["body"]
    shown = panels(result)
    reads = program_reads(result)
    lanes = colour_lanes(result) if reads is None or reads & {"color", "hsv", "rgb"} else []
    if reads is not None and "reflection" not in reads and lanes:
        # the program read colours, not reflection: the band says what it saw
        banded = {f"{name} (Port.{port})" for name, port, *_ in lanes}
        shown = [(title, unit, [tr for tr in traces if tr[0] not in banded])
                 for title, unit, traces in shown]
        shown = [p for p in shown if p[2]]
    # wheels that never turned (a program that only prints, beeps and lights up): no
    # flat chart, the events say what it did
    shown = [p for p in shown if p[1] != "speed °/s"
             or any(v != 0.0 and not math.isnan(v) for _label, vs in p[2] for v in vs)]
    heights = ([TRACE_HEIGHT] * len(shown) + [BAND_HEIGHT] * len(lanes)
               + [EVENTS_HEIGHT if shown or lanes else ALONE_HEIGHT])

    xs = nan_list(rec.column("x_mm")) if "x_mm" in rec.columns else []
    ys = nan_list(rec.column("y_mm")) if "y_mm" in rec.columns else []
    end = result.pose
    start = result.start_pose
    if not xs:
        xs, ys = [start[0]], [start[1]]
    xs.append(end[0])
    ys.append(end[1])
    corners = outline(end, body)
    contacts = [contact_point(result, e) for e in result.events if e.get("kind") == "contact"]
    others = []
    all_x, all_y = list(xs), list(ys)
    for i, rival in enumerate(result.robots[1:], start=1):  # several robots: each in colour
        orec = rival.telemetry
        oxs = nan_list(orec.column("x_mm")) + [rival.pose[0]]
        oys = nan_list(orec.column("y_mm")) + [rival.pose[1]]
        others.append(Track(oxs, oys, outline(rival.pose, rival.brick.robot["body"]),
                            ROBOT_COLORS[i % len(ROBOT_COLORS)],
                            f"robot {i + 1}: {rival.program}, {rival.status} "
                            f"({rival.distance_mm:.0f} mm)"))
        all_x += oxs
        all_y += oys
    arena = getattr(result.brick, "arena", None)
    objects = ([(th.spec, (th.x, th.y)) for th in arena.things]
               if arena is not None and arena.things else [])

    # Show the whole world, and the path too if the robot left it; on a bare floor (nothing
    # painted, no walls) show the neighbourhood of the path instead.
    x0, y0, x1, y1 = world.bounds
    reach = max(abs(body["front"]), abs(body["back"]), body["width"] / 2)
    finite = [(x, y) for x, y in zip(all_x, all_y, strict=True)
              if not (math.isnan(x) or math.isnan(y))]
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

    t = [v / 1000.0 for v in rec.column("t_ms")] if "t_ms" in rec.columns else []
    end_s = max(t[-1] if t else 0.0, result.sim_time_s, 1e-3)
    if others:  # a run of several: the run's status is the worst; each robot says its own
        robots = result.robots
        failed = [f"robot {k}" + (f": {r.error.get('type')}" if r.error else "")
                  for k, r in enumerate(robots, 1) if r.status == result.status]
        how = (result.verdict if result.verdict  # a rule ended the run: what it said
               else result.status if len(failed) == len(robots)
               else f"{result.status} ({'; '.join(failed)})")
        title = f"{len(robots)} robots on {world.name}: {how}, {result.sim_time_s:.2f} s simulated"
        path_label = (f"robot 1: {robots[0].program}, {robots[0].status} "
                      f"({result.distance_mm:.0f} mm)")
    else:
        title = (f"{result.program} on {world.name}: {_how(result)}, "
                 f"{result.sim_time_s:.2f} s simulated")
        path_label = f"path ({result.distance_mm:.0f} mm)"
    return Scene(
        title=title,
        world=world, limits=framed(lx0, ly0, lx1, ly1), xs=xs, ys=ys,
        path_label=path_label, start=start,
        start_outline=outline(start, body), end=end, end_outline=corners,
        nose=((corners[1][0] + corners[2][0]) / 2, (corners[1][1] + corners[2][1]) / 2),
        contacts=contacts, others=others, objects=objects, t=t, end_s=end_s, panels=shown,
        bands=[colour_band(lane, reads, end_s) for lane in lanes],
        events=event_lane(result, end_s), heights=heights)
