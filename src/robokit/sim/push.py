"""Pushing against a wall: the steps of a push that need no new overlap test.

While the body is pressed against a wall, each physics step starts with the wheels at rest,
so from that pose the body moves along one short arc; :meth:`SimBrick._still_pushing
<robokit.sim.brick.SimBrick._still_pushing>` tests the two ends of the step (the whole step
and the bisection's finest part of it) and, when both overlap the wall, holds the body
still.  A :data:`Known` span remembers, for one pose, the wheel travels of the nearest and
the farthest ends found to overlap on one arc: a later step whose two ends lie within that
span overlaps at both ends too, and needs no test.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

# Portable code: it also runs in MicroPython's VM, for a robot among walls in a run with
# --exact (robokit.sim.vmbrick).
TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from typing import Any

    #: (pose, nearest left, nearest right, farthest left, farthest right wheel travel,
    #: mm).
    Known = tuple[Any, float, float, float, float]
NOTHING_KNOWN: Known = (None, 0.0, 0.0, 0.0, 0.0)


def along(dl: float, dr: float, ml: float, mr: float) -> float:
    """How far the wheel travel (dl, dr) reaches along that of (ml, mr), as a multiple of
    it, when both move the body along one arc the same way (to 1e-3); else -1."""
    dot = dl * ml + dr * mr
    if dot <= 0.0 or abs(dl * mr - dr * ml) > 1e-3 * (abs(dl * ml) + abs(dr * mr)):
        return -1.0
    return dot / (ml * ml + mr * mr)


def within(known: Known, pose: Any, dl: float, dr: float, fl: float, fr: float) -> bool:
    """Do the near end (dl, dr) and the far end (fl, fr) of a step from ``pose`` both lie
    within the span ``known`` found to overlap from that pose?"""
    return (known[0] == pose and along(dl, dr, known[1], known[2]) >= 1.0
            and 0.0 < along(fl, fr, known[3], known[4]) <= 1.0)


def widen(known: Known, pose: Any, dl: float, dr: float, fl: float, fr: float) -> Known:
    """The span known to overlap after a step from ``pose`` whose two ends both overlapped:
    joined with ``known`` when it is on the same arc and the two meet, else this step's."""
    if (known[0] == pose and along(dl, dr, known[1], known[2]) > 0.0
            and 0.0 < along(dl, dr, known[3], known[4]) <= 1.0
            and along(fl, fr, known[3], known[4]) > 0.0):
        if along(dl, dr, known[1], known[2]) > 1.0:
            dl, dr = known[1], known[2]
        if along(fl, fr, known[3], known[4]) < 1.0:
            fl, fr = known[3], known[4]
    return (pose, dl, dr, fl, fr)
