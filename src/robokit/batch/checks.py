"""Per-run checks of a batch spec (``[[checks]]``), each worth points.

A check is a table with a ``name`` (what the gradebook shows), ``points`` (default 1)
and one or more conditions, all of which must hold:

| condition | holds when |
| --- | --- |
| ``status = "finished"`` (or a list) | the run ended so |
| ``min_distance_mm``, ``max_distance_mm`` | the distance driven is at least / at most this |
| ``max_contacts`` | the body touched walls or boxes at most this often |
| ``ends_on = "green"`` | the floor under the robot's centre at the end is nearest to this colour |
| ``ends_within = {x = 600, y = 600, radius = 100}`` | the end pose is within the circle (mm) |
| ``output_contains = "done"`` | the program printed this |
| ``max_sim_time_s`` | the run ended within this many simulated seconds |
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import RobokitError

_CONDITIONS = {"status", "min_distance_mm", "max_distance_mm", "max_contacts", "ends_on",
               "ends_within", "output_contains", "max_sim_time_s"}


@dataclass
class Check:
    name: str
    points: float
    conditions: dict[str, Any] = field(default_factory=dict)


def parse_checks(items: Any, where: str) -> list[Check]:
    """The spec's ``[[checks]]``; a RobokitError naming ``where`` for a bad one."""
    if not isinstance(items, list):
        raise RobokitError(f"{where}: checks must be an array of tables ([[checks]])")
    out = []
    for i, item in enumerate(items, 1):
        at = f"{where}: [[checks]] #{i}"
        if not isinstance(item, dict):
            raise RobokitError(f"{at}: not a table")
        unknown = set(item) - _CONDITIONS - {"name", "points"}
        if unknown:
            raise RobokitError(f"{at}: unknown key {sorted(unknown)[0]!r}; the conditions are "
                               f"{', '.join(sorted(_CONDITIONS))}")
        conditions = {k: v for k, v in item.items() if k in _CONDITIONS}
        if not conditions:
            raise RobokitError(f"{at}: no condition; give one of {', '.join(sorted(_CONDITIONS))}")
        points = item.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise RobokitError(f"{at}: points must be a number of 0 or more")
        for key in ("min_distance_mm", "max_distance_mm", "max_contacts", "max_sim_time_s"):
            v = conditions.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise RobokitError(f"{at}: {key} must be a number")
        within = conditions.get("ends_within")
        if within is not None and not (isinstance(within, dict)
                                       and all(isinstance(within.get(k), (int, float))
                                               for k in ("x", "y", "radius"))):
            raise RobokitError(f"{at}: ends_within must be {{ x = .., y = .., radius = .. }} "
                               "in mm")
        if "ends_on" in conditions:
            from ..sim.world.shapes import color_ok

            if not color_ok(conditions["ends_on"]):
                raise RobokitError(f"{at}: ends_on: {conditions['ends_on']!r} is not a colour")
        status = conditions.get("status")
        if status is not None:
            conditions["status"] = [status] if isinstance(status, str) else list(status)
        name = str(item.get("name") or ", ".join(f"{k} {v}" for k, v in conditions.items()))
        out.append(Check(name, float(points), conditions))
    return out


def evaluate(checks: list[Check], row: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """Each check's result for ``row`` and the points earned."""
    results = []
    total = 0.0
    for c in checks:
        ok = all(_holds(k, v, row) for k, v in c.conditions.items())
        results.append({"name": c.name, "passed": ok, "points": c.points if ok else 0.0,
                        "of": c.points})
        total += c.points if ok else 0.0
    return results, total


def _holds(key: str, want: Any, row: dict[str, Any]) -> bool:
    if key == "status":
        return row.get("status") in want
    ran = row.get("status") in ("finished", "timeout", "error")
    if not ran or row.get("pose") is None:
        return False
    dist = row.get("distance_mm") or 0.0
    if key == "min_distance_mm":
        return bool(dist >= want)
    if key == "max_distance_mm":
        return bool(dist <= want)
    if key == "max_contacts":
        contacts = row.get("contacts") or {}
        return int(contacts.get("count", 0)) <= want
    if key == "output_contains":
        found = row.get("_output_found")  # looked for in all the run printed
        if found is not None:
            return str(want) in found
        return str(want) in (row.get("output") or "")  # a row read back: its output
    if key == "max_sim_time_s":
        return bool((row.get("sim_time_s") or 0.0) <= want)
    pose = row["pose"]
    x, y = pose["x_mm"], pose["y_mm"]
    if key == "ends_within":
        return math.hypot(x - want["x"], y - want["y"]) <= want["radius"]
    if key == "ends_on":
        return _floor_colour(row.get("world"), x, y) == _canonical(want)
    raise AssertionError(key)  # pragma: no cover - parse_checks knows the keys


def _canonical(color: str) -> tuple[float, float, float]:
    from ..sim.world.shapes import reflectance

    return reflectance(color)


def _floor_colour(world: str | None, x: float, y: float) -> tuple[float, float, float] | None:
    """Of the colours the world's floor is painted with, the one nearest to what lies
    under (x, y) (as its reflectance), or None if the world cannot be loaded."""
    from ..sim.world import load_world
    from ..sim.world.shapes import SHAPE_KINDS, reflectance

    try:
        w = load_world(world or "empty")
    except RobokitError:
        return None
    d = w.to_dict()
    painted = {d.get("background", "white")}
    for kind in SHAPE_KINDS:
        for item in d.get(kind) or []:
            if isinstance(item, dict) and isinstance(item.get("color"), str):
                painted.add(item["color"])
    r, g, b = w.surface.rgb(x, y, 5.0)
    return min((reflectance(c) for c in painted),
               key=lambda c: (c[0] - r) ** 2 + (c[1] - g) ** 2 + (c[2] - b) ** 2)
