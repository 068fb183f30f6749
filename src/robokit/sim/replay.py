"""A replay of a simulated run: one HTML file that plays it back in a browser.

``write_replay(result, "run.html")`` writes a page that needs nothing but a browser (no
network: the script, the style and the run's data are inside it, the mat as a data: PNG),
so it opens from disk and as a CI artifact alike. It shows the world (the mat, walls,
boxes), the robot's body with its sensors' footprints and the distance sensor's cone
moving along its path, a timeline (play, pause, speed, scrubbing), the sensor and motor
traces with a cursor, the hub (light, display, speaker, output) and every event on the
timeline (prints, beeps and notes, light, display, contacts, buttons).

The page keeps at most :data:`MAX_FRAMES` telemetry rows: a longer run keeps every k-th
row (and the last), evenly over the whole run. Events and output are kept whole (the
recorder already bounds them).

The page's script offers ``window.robokitReplay`` (``seek``, ``play``, ``pause``,
``time``, ...) for tests; drawing is a function of the time shown alone.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = ["MAX_FRAMES", "MAT_PIXELS", "ROBOT_COLOR", "replay_data", "replay_html",
           "write_replay"]

#: Telemetry rows a replay keeps at most (longer runs keep every k-th row, and the last).
MAX_FRAMES = 20_000
#: Longest side of the mat's picture in the page, in pixels.
MAT_PIXELS = 1200
#: The robot's body is filled with this colour (no mat colour is near it).
ROBOT_COLOR = "#9cff00"
#: Where the data goes in the page template.
_DATA_MARK = "__ROBOKIT_DATA__"


def _png(rgb: Any) -> bytes:
    """A PNG file of an (h, w, 3) uint8 array (row 0 at the top)."""
    h, w = int(rgb.shape[0]), int(rgb.shape[1])
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _world(world: Any) -> dict[str, Any]:
    import base64

    from .surface import render
    from .world import color_hex

    x0, y0, x1, y1 = world.bounds
    mat = None
    if world.shapes:
        mm_per_px = max(x1 - x0, y1 - y0) / MAT_PIXELS
        png = _png(render(world, mm_per_px=mm_per_px))
        mat = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return {
        "name": world.name,
        "description": world.description,
        "bounds": [x0, y0, x1, y1],
        "background": color_hex(world.background),
        "mat": mat,
        "walls": [{"points": [list(p) for p in w.points], "closed": w.closed,
                   "thickness": w.thickness, "color": color_hex(w.color)}
                  for w in world.wall_shapes],
        "boxes": [{"corners": [list(p) for p in b.corners()], "color": color_hex(b.color)}
                  for b in world.boxes],
    }


def _robot(robot: dict[str, Any]) -> dict[str, Any]:
    from .brick import COLOR_FOOTPRINT_MM, ULTRASONIC_CONE_DEG, ULTRASONIC_MAX_MM

    sensors = []
    for name, dev in robot["devices"].items():
        if "x" in dev and "y" in dev:
            sensors.append({"name": name, "type": dev["type"], "port": dev["port"],
                            "x": dev["x"], "y": dev["y"], "heading": dev.get("heading", 0.0)})
    body = robot["body"]
    return {"name": robot["name"], "body": {k: body[k] for k in ("front", "back", "width")},
            "sensors": sensors, "cone_half_deg": ULTRASONIC_CONE_DEG,
            "range_mm": ULTRASONIC_MAX_MM, "footprint_mm": 2 * COLOR_FOOTPRINT_MM}


#: The bodies of robots 2, 3, ... in a run of several.
OTHER_COLORS = ("#00b0ff", "#ff6d00", "#d500f9", "#ffd600", "#00e5b0")


def _other(result: RunResult, index: int, max_frames: int) -> dict[str, Any]:
    """Robot ``index + 1`` of a run of several: its program, colour, body and path."""
    rec = result.telemetry
    rows = rec.to_dict()["rows"]
    keep = _kept(len(rows), max_frames)
    cols = [rec.columns.index(c) for c in ("t_ms", "x_mm", "y_mm", "heading_deg")]
    body = result.brick.robot["body"]
    t = [rows[i][cols[0]] / 1000.0 for i in keep]
    x = [rows[i][cols[1]] for i in keep]
    y = [rows[i][cols[2]] for i in keep]
    h = [rows[i][cols[3]] for i in keep]
    if not t or result.sim_time_s > t[-1] + 1e-6:  # the end pose, after the last row
        t.append(result.sim_time_s)
        x.append(round(result.pose[0], 3))
        y.append(round(result.pose[1], 3))
        h.append(round(result.pose[2], 3))
    return {"program": result.program, "status": result.status, "error": result.error,
            "distance_mm": result.distance_mm,
            "color": OTHER_COLORS[(index - 1) % len(OTHER_COLORS)],
            "body": {k: body[k] for k in ("front", "back", "width")},
            "start_pose": list(result.start_pose), "end_pose": list(result.pose),
            "t": t, "x": x, "y": y, "h": h}


def _objects(result: RunResult, max_frames: int) -> list[dict[str, Any]]:
    """The world's movable objects and where they were over the run."""
    from .world import color_hex

    arena = getattr(result.brick, "arena", None)
    if arena is None or not arena.things:
        return []
    keep = _kept(len(arena.track_t), max_frames)
    out = []
    for k, th in enumerate(arena.things):
        spec = th.spec
        out.append({"shape": spec.shape, "radius": spec.radius, "size": list(spec.size),
                    "angle": spec.angle, "color": color_hex(spec.color),
                    "t": [arena.track_t[i] / 1e6 for i in keep],
                    "x": [round(arena.track[i][k][0], 2) for i in keep],
                    "y": [round(arena.track[i][k][1], 2) for i in keep],
                    "end": [round(th.x, 2), round(th.y, 2)]})
    return out


def _kept(n: int, most: int) -> list[int]:
    """Indices of ``n`` rows to keep, at most ``most``: every k-th, and the last."""
    if n <= most:
        return list(range(n))
    step = math.ceil((n - 1) / (most - 1))
    keep = list(range(0, n, step))
    if keep[-1] != n - 1:
        keep.append(n - 1)
    return keep


def _nth(n: int) -> str:
    """2nd, 3rd, 4th, 11th, 21st, ..."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _clean(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 3)


def replay_data(result: RunResult, max_frames: int = MAX_FRAMES) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (the page's ``robokit-data``)."""
    from .plot import _panels

    rec = result.telemetry
    rows = rec.to_dict()["rows"]  # rounded as in the JSON telemetry, NaN as null
    keep = _kept(len(rows), max_frames)
    t_col = rec.columns.index("t_ms")
    traces = []
    for title, unit, lines in _panels(result):
        traces.append({"title": title, "unit": unit,
                       "lines": [{"label": label, "values": [_clean(values[i]) for i in keep]}
                                 for label, values in lines]})
    events = [dict(e) for e in rec.events]
    for e in events:
        if e.get("kind") == "contact" and isinstance(e.get("x_mm"), (int, float)):
            from .plot_lanes import contact_point

            # Where the body touched (as the plot draws it), not the robot's centre.
            e["x_mm"], e["y_mm"] = (round(v, 1) for v in contact_point(result, e))
    events += [{"t_ms": t / 1000.0, "kind": "print", "text": text} for t, text in rec.output]
    events.sort(key=lambda e: e["t_ms"])
    end = result.pose
    others = [_other(r, i + 1, max_frames) for i, r in enumerate(result.robots[1:])]
    return {
        "format": 1,
        "program": result.program,
        "status": result.status,  # with several robots, the worst of theirs
        "robot_status": result.robots[0].status,  # robot 1's own
        "error": result.error,
        "sim_time_s": result.sim_time_s,
        "distance_mm": result.distance_mm,
        "start_pose": list(result.start_pose),
        "end_pose": [end[0], end[1], end[2]],
        "world": _world(result.world),
        "robot": _robot(result.brick.robot),
        "robot_color": ROBOT_COLOR,
        "others": others,
        "objects": _objects(result, max_frames),
        "verdict": result.verdict,
        "telemetry": {"columns": rec.columns, "rows": [rows[i] for i in keep],
                      "source_rows": len(rows), "kept": "all" if len(keep) == len(rows)
                      else f"every {_nth(keep[1] - keep[0])} row and the last",
                      "hz": 1e6 / rec.period_us if rec.period_us else 0.0},
        "traces": traces,
        "t": [rows[i][t_col] / 1000.0 for i in keep],
        "events": events,
        "events_dropped": rec.events_dropped,
        "output_dropped_lines": rec.output_dropped_lines,
    }


def replay_html(result: RunResult, max_frames: int = MAX_FRAMES) -> str:
    """The replay page of ``result`` as a string."""
    page = resources.files("robokit.sim").joinpath("replay_page.html").read_text("utf-8")
    data = json.dumps(replay_data(result, max_frames), separators=(",", ":"),
                      allow_nan=False, default=str)
    # "<" never appears raw inside the script element (no "</script>", no "<!--").
    data = data.replace("<", "\\u003c")
    title = f"{result.program} on {result.world.name}".replace("&", "&amp;").replace("<", "&lt;")
    return page.replace(_DATA_MARK, data, 1).replace("<title>robokit replay</title>",
                                                      f"<title>robokit replay: {title}</title>", 1)


def write_replay(result: RunResult, path: str | Path, *,
                 inputs: Iterable[str | Path] = ()) -> None:
    """Write the HTML replay of ``result`` (a :class:`~robokit.sim.runner.RunResult`) to
    ``path`` by :func:`robokit._files.write_output`: never over one of ``inputs`` (the
    run's own files; a RobokitError says so), through a device or pipe, renamed only onto
    a regular file."""
    from .._files import check_output, write_output

    check_output(path, inputs=inputs, what="replay")
    write_output(path, replay_html(result), inputs=inputs, what="replay")
