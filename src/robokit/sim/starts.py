"""A robot's body where it starts: clear of walls, boxes, objects and the other robots.

A world file's start poses are checked as points when it is loaded (robokit.sim.world);
the body around a point is the robot's, known only once the robot is. A body that
starts inside a wall or a box (more than touching it) could never move, whichever way
it drove: the run would end with the robot where it began and no word why. So a run
refuses such a start before it begins, naming the world file, the robot and how far
its body reaches. Touching is fine (a robot set against a wall, as on a competition
table): the body is tested 0.5 mm smaller all round.

A run's scripted hub presses are checked here too, once each robot's hub is known
(robokit.sim.presses.check_press_buttons): a press on a button no robot's hub has is
refused as the robots start, before the program runs.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import WorldError

#: How far the body may reach into a wall at its start (touching, and rounding).
TOUCH_MM = 0.5


def check_starts(world: Any, bricks: list[Any], arena: Any = None) -> None:
    """Raise WorldError for the first robot (of ``bricks``, on ``world``) whose body
    starts in a wall or box, or (with ``arena``) in another robot or an object; first,
    ProgramError for a scripted press (the bricks' ``set_presses``) on a button that no
    robot's hub has."""
    presses = bricks[0]._presses if bricks else ()
    if presses:
        from .presses import check_press_buttons

        check_press_buttons(presses, [b.kit_buttons or
                                      (b.robot_config().get("hub") or {}).get("type")
                                      for b in bricks])
    for i, b in enumerate(bricks):
        if not b._has_walls and arena is None:
            continue  # nothing it could start in
        x, y, h = b._x, b._y, b._h
        front, back, half = b._front - TOUCH_MM, b._back + TOUCH_MM, b._half_w - TOUCH_MM
        what = None
        if front > back and half > 0.0 and world.rect_hits_wall(
                x, y, math.degrees(h), front, back, half):
            what = "a wall or box" + _which_wall(world, x, y, h, front, back, half)
        elif arena is not None and arena.overlaps(b, x, y, h):
            what = "another robot or an object" + _which_body(arena, b, x, y, h)
        if what is None:
            continue
        who = f"robot {i + 1}" if len(bricks) > 1 else "the robot"
        raise WorldError(
            f"{world.source}: {who} starts at ({x:g}, {y:g}) heading "
            f"{math.degrees(h):g}° with its body in {what}, so it could not move; its body "
            f"reaches {b._front:g} mm ahead of that point, {-b._back:g} mm behind and "
            f"{b._half_w:g} mm to each side: move the start to open floor")



def _which_wall(world: Any, x: float, y: float, h: float, front: float, back: float,
                half: float) -> str:
    """Which wall or box the body at (x, y, h radians) is in, for the message: ' ([[walls]]
    #2)', or '' (a world that came with no shapes to name)."""
    from . import bodies
    from .world.model import shape_in_walls

    found = shape_in_walls(world, bodies.rect(x, y, h, front, back, half))
    return "" if found is None else f" ([[{found[0]}]] #{found[1] + 1})"


def _which_body(arena: Any, brick: Any, x: float, y: float, h: float) -> str:
    """Which other robot or object the body at (x, y, h radians) is in: ' (robot 2)', '
    ([[objects]] #1)', or ''."""
    from . import bodies

    mine = bodies.rect(x, y, h, brick._front, brick._back, brick._half_w)
    for other, shape in arena._shapes(brick):
        if bodies.overlap(mine, shape) is not None:
            index = other.index + 1
            return f" (robot {index})" if other in arena.bricks else f" ([[objects]] #{index})"
    return ""
