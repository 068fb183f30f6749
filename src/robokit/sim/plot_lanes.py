"""The plot's lanes of what happened when: the colour a colour sensor saw, the events.

What both pictures of a run draw on their shared simulated-time axis with the traces
(:mod:`robokit.sim.plot`'s PNG, :mod:`robokit.sim.plot_svg`'s SVG), as data: no drawing
here, and no matplotlib.

- :func:`colour_lanes`: for each colour sensor the program read, the colour under it at
  each telemetry row (the world's surface sampled at the sensor's footprint from the
  row's pose, named as ``ColorSensor.color()`` names it with the default detectable
  colours), from the first row after the program first read it.
- :func:`program_reads`: which of a colour sensor's readings the program's source calls
  (``color``, ``hsv``, ``rgb``, ``reflection``, ``ambient``), so that a lane is labelled by
  what the program read; None when the source cannot be read.
- :func:`colour_band`: one such lane as spans of the same named colour.
- :func:`event_lane`: one lane with a row per kind of event (prints, sound, light, display,
  contact, then buttons and the rest, an error last), as the replay's event strip has them.
- :func:`contact_point`: where the body touched: the side (or corner) of the body
  rectangle that is against the wall at the contact's pose.
"""

from __future__ import annotations

import ast
import bisect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import RunResult

#: The ColorSensor readings a program can make (method names).
COLOUR_READS = ("color", "hsv", "rgb", "reflection", "ambient")
#: A colour band looks at most this many telemetry rows (evenly spread, the last one
#: included): a band is a few hundred pixels wide.
MAX_BAND_ROWS = 4000
#: Events lane colours, per kind (as the replay's strip).
KIND_COLORS = {"print": "#455a64", "beep": "#d81b60", "note": "#d81b60", "light": "#f9a825",
               "display": "#1e88e5", "contact": "#e00000", "error": "#b71c1c",
               "button": "#6a1b9a", "stop_button": "#6a1b9a", "stopped": "#6a1b9a",
               "sensor_lights": "#00897b"}
#: Rows of the events lane, top to bottom: (row label, event kinds); other kinds follow.
EVENT_ROWS = (("print", ("print",)), ("sound", ("beep", "note")), ("light", ("light",)),
              ("display", ("display",)), ("contact", ("contact",)))


def program_reads(result: RunResult) -> set[str] | None:
    """The ColorSensor methods (of :data:`COLOUR_READS`) the program's source calls: the
    program file and the modules beside it that it imports (a folder: its Python files);
    None when there is no source to read."""
    p = Path(result.program)
    todo = sorted(p.glob("*.py")) if p.is_dir() else [p]
    seen: set[Path] = set()
    found: set[str] = set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in COLOUR_READS):
                found.add(node.func.attr)
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [])
            for name in names:
                local = f.parent / (name.split(".")[0] + ".py")
                if local.is_file():
                    todo.append(local)
    return found if any(f.is_file() for f in seen) else None


def _hex(rgb: tuple[float, float, float]) -> str:
    """``#rrggbb`` of r, g, b in 0-100."""
    return "#" + "".join(f"{max(0, min(255, round(v * 2.55))):02x}" for v in rgb)


def colour_lanes(result: RunResult) -> list[tuple[str, str, list[float], list[str], list[str]]]:
    """Per colour sensor the program read: (name, port, times s, colour names, hex colours)
    of the colour under it at each telemetry row from its first reading on."""
    from ..devices.parameters import Color, hsv_to_rgb, rgb_to_hsv
    from ..devices.sensors import DEFAULT_COLORS, nearest_color
    from .brick import COLOR_FOOTPRINT_MM

    rec = result.telemetry
    cols = rec.columns
    if not {"t_ms", "x_mm", "y_mm", "heading_deg"} <= set(cols):
        return []
    lanes = []
    sampler = None
    for name, dev in result.brick.robot["devices"].items():
        if dev["type"] != "ColorSensor" or name not in cols:
            continue
        i_v, i_t = cols.index(name), cols.index("t_ms")
        i_x, i_y, i_h = cols.index("x_mm"), cols.index("y_mm"), cols.index("heading_deg")
        sx, sy = dev["x"], dev["y"]
        if sampler is None:
            sampler = result.world.surface.sampler(COLOR_FOOTPRINT_MM)
        times: list[float] = []
        names: list[str] = []
        hexes: list[str] = []
        rows = rec.rows
        step = max(1, math.ceil(len(rows) / MAX_BAND_ROWS))  # far more than a band's pixels
        picked = rows[::step] + ([rows[-1]] if rows and (len(rows) - 1) % step else [])
        for row in picked:
            if math.isnan(row[i_v]):  # not read yet
                continue
            h = math.radians(row[i_h])
            c, s = math.cos(h), math.sin(h)
            r, g, b = sampler.rgb(row[i_x] + c * sx - s * sy, row[i_y] + s * sx + c * sy)
            seen = nearest_color(Color(*rgb_to_hsv(r, g, b)), DEFAULT_COLORS)
            times.append(row[i_t] / 1000.0)
            names.append(seen.name or repr(seen))
            hexes.append(_hex(hsv_to_rgb(seen.h, seen.s, seen.v)))
        if times:
            lanes.append((name, str(dev["port"]), times, names, hexes))
    return lanes


@dataclass
class Band:
    """One colour lane, ready to draw: ``spans`` per named colour (its hex colour and its
    (start s, length s) runs), the names written in wide runs (``labels``: middle time,
    text, text colour), and the lane's title."""

    title: str
    spans: dict[str, tuple[str, list[tuple[float, float]]]]
    labels: list[tuple[float, str, str]]


def colour_band(lane: tuple[str, str, list[float], list[str], list[str]],
                reads: set[str] | None, end_s: float) -> Band:
    """The colour band of one sensor (a lane of :func:`colour_lanes`): a span per run of the
    same named colour, names written in the runs wider than 8 % of the time axis."""
    name, port, times, names, hexes = lane
    spans: dict[str, tuple[str, list[tuple[float, float]]]] = {}
    labels: list[tuple[float, str, str]] = []
    start = 0
    for k in range(1, len(times) + 1):
        if k == len(times) or names[k] != names[start]:
            t0 = times[start]
            t1 = times[k] if k < len(times) else max(end_s, t0)
            spans.setdefault(names[start], (hexes[start], []))[1].append((t0, t1 - t0))
            if t1 - t0 > 0.08 * max(end_s, 1e-3):
                dark = names[start] in ("NONE", "BLACK", "BLUE")
                labels.append(((t0 + t1) / 2, names[start], "#ffffff" if dark else "#000000"))
            start = k
    shown = [m + "()" for m in COLOUR_READS[:3] if reads and m in reads]
    what = " / ".join(shown) if shown else "colour"
    return Band(f"{name} (Port.{port}): {what}, the colour under the sensor", spans, labels)


def _event_text(e: dict[str, Any]) -> str:
    kind = e["kind"]
    if kind == "print":
        text = str(e.get("text", ""))
    elif kind == "beep":
        text = f"{e.get('frequency')} Hz"
    elif kind == "note":
        text = str(e.get("note", ""))
    elif kind == "display":
        text = next((str(e[k]) for k in ("text", "char", "number") if k in e), "")
        text = text or ("off" if e.get("off") is True else "icon" if "icon" in e
                        else "pixel" if "pixel" in e else "animation" if "animate" in e else "")
    elif kind == "error":
        text = str(e.get("type", ""))
    else:
        text = ""
    return text if len(text) <= 16 else text[:15] + "…"


def run_events(result: RunResult) -> list[dict[str, Any]]:
    """The run's events and printed lines (``kind`` "print"), and its error (``kind``
    "error", at the end), by time; ``t`` in simulated seconds."""
    rec = result.telemetry
    evs = [{**e, "t": e["t_ms"] / 1000.0} for e in rec.events]
    evs += [{"t": t / 1e6, "kind": "print", "text": text} for t, text in rec.output]
    if result.error is not None:
        evs.append({"t": result.sim_time_s, "kind": "error", "type": result.error.get("type")})
    evs.sort(key=lambda e: e["t"])
    return evs


@dataclass
class EventLane:
    """The events lane, ready to draw. ``rows``: row labels, top to bottom (row ``i`` at
    y = len(rows) - 1 - i); ``lights``: the hub light's spans (start s, length s, y, hex);
    ``light_marks``: the times it changed (with their y); ``sounds``: a beep's or note's
    length (start s, end s, y, colour); ``marks``: per other kind (kind, times, y, marker
    (matplotlib's letters: "|", "x", "s", "X", "v"), colour); ``texts``: labels (t, y,
    text, colour, late: written to the left of the mark)."""

    title: str
    rows: list[str]
    lights: list[tuple[float, float, float, str]] = field(default_factory=list)
    light_marks: tuple[list[float], float] | None = None
    sounds: list[tuple[float, float, float, str]] = field(default_factory=list)
    marks: list[tuple[str, list[float], float, str, str]] = field(default_factory=list)
    texts: list[tuple[float, float, str, str, bool]] = field(default_factory=list)


def event_lane(result: RunResult, end_s: float) -> EventLane:
    """The events lane: a row per kind, a mark (a bar for the light, the sound's length for
    a beep or note) at each event's time; labels where they do not run into each other."""
    from ..devices.parameters import hsv_to_rgb

    evs = run_events(result)
    rows = [label for label, _kinds in EVENT_ROWS]
    row_of = {k: label for label, kinds in EVENT_ROWS for k in kinds}
    for e in evs:
        if e["kind"] not in row_of:
            row_of[e["kind"]] = e["kind"]
            rows.append(e["kind"])
    if "error" in rows:  # last
        rows.remove("error")
        rows.append("error")
    used = [r for r in rows if any(row_of[e["kind"]] == r for e in evs)]
    y = {r: float(len(used) - 1 - i) for i, r in enumerate(used)}
    lane = EventLane("events" if evs else "events: none", used)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for e in evs:
        by_kind.setdefault(e["kind"], []).append(e)
    for kind, items in by_kind.items():
        yy = y[row_of[kind]]
        colour = KIND_COLORS.get(kind, "#555555")
        ts = [e["t"] for e in items]
        if kind == "light":
            for k, e in enumerate(items):
                hsv = e.get("color") or e.get("blink") or (e.get("animate") or [None])[0]
                t1 = items[k + 1]["t"] if k + 1 < len(items) else end_s
                if hsv:
                    lane.lights.append((e["t"], max(t1 - e["t"], 0.0), yy,
                                        _hex(hsv_to_rgb(*hsv))))
            lane.light_marks = (ts, yy)
            continue
        if kind in ("beep", "note"):
            lane.sounds += [(e["t"], e["t"] + float(e.get("duration") or 0) / 1000.0, yy,
                             colour) for e in items]
        marker = {"contact": "x", "print": "|", "display": "s", "error": "X"}.get(kind, "v")
        lane.marks.append((kind, ts, yy, marker, colour))
        last = -math.inf
        for e in items:
            text = _event_text(e)
            if text and e["t"] - last > 0.12 * end_s:  # no labels over each other
                last = e["t"]
                lane.texts.append((e["t"], yy, text, colour, e["t"] > 0.8 * end_s))
    return lane


def contact_point(result: RunResult, event: dict[str, Any]) -> tuple[float, float]:
    """Where the body touched, for a contact event (which records the robot's centre at
    that moment): the middle of the side of the body rectangle against a wall or box, or
    the corner when two sides are, at the heading the telemetry has at that time; when no
    side is found, the middle of the front (or, driving backwards, the back) edge."""
    rec = result.telemetry
    body = result.brick.robot["body"]
    front, back, hw = body["front"], body["back"], body["width"] / 2.0
    x, y = float(event["x_mm"]), float(event["y_mm"])
    t = rec.column("t_ms") if "t_ms" in rec.columns else []
    headings = rec.column("heading_deg") if "heading_deg" in rec.columns else []
    i = min(bisect.bisect_left(t, float(event["t_ms"])), len(t) - 1)
    h = headings[i] if headings else result.pose[2]
    sides = result.world.rect_contact(x, y, h, front, back, hw, 3.0)
    u = front if "front" in sides else back if "back" in sides else None
    v = hw if "left" in sides else -hw if "right" in sides else None
    if u is None and v is None:
        # which way it moved just before: along its heading (front) or against it (back)
        xs, ys = rec.column("x_mm"), rec.column("y_mm")
        j = max(0, min(i, len(xs) - 1) - 2)
        dx, dy = (x - xs[j], y - ys[j]) if xs else (0.0, 0.0)
        a = math.radians(h)
        u = back if dx * math.cos(a) + dy * math.sin(a) < 0 else front
    if u is None:
        u = (front + back) / 2.0
    v = v or 0.0
    a = math.radians(h)
    c, s = math.cos(a), math.sin(a)
    return x + c * u - s * v, y + s * u + c * v
