"""A body pressed against a wall: :class:`WallContact`, a part of
:class:`~robokit.sim.brick.SimBrick` (when a step would take the body into a wall, a box or
another body: where it stops, the push that goes on, the contacts counted)."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

from . import push
from .bodies import FLUSH_MM
from .brickstate import BrickState

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .recorder import Recorder

#: Halvings of a physics step that find when the body reached a wall; the finest part.
_BISECTIONS = 10
_FINEST = 0.5 ** _BISECTIONS


class WallContact(BrickState):
    """The contact part of a SimBrick."""

    world: Any
    recorder: Recorder
    distance_mm: float
    contact_count: int
    first_contact: tuple[int, float, float] | None
    longest_contact_us: int
    _contact: bool
    _contact_since: int | None
    _push_known: Any
    _push_load: tuple[float, float]
    _v: float

    def _hits_wall(self, x: float, y: float, h: float) -> bool:
        """Would the body at pose (x, y, h radians) overlap a wall or a box?  (Touching is
        not overlapping: a robot set flush against a wall drives along it, as an object
        slides along one: robokit.sim.bodies.FLUSH_MM.)"""
        return bool(self.world.rect_hits_wall(x, y, math.degrees(h), self._front - FLUSH_MM,
                                              self._back + FLUSH_MM, self._half_w - FLUSH_MM))

    def _arc(self, dl: float, dr: float) -> tuple[float, float, float]:  # pragma: no cover
        """(SimBrick's: the pose after the wheels roll dl and dr mm.)"""
        raise NotImplementedError

    def _set_rates(self, dt: float, v_before: float) -> None:  # pragma: no cover
        """(SimBrick's: the body's speeds after a step.)"""
        raise NotImplementedError

    def _still_pushing(self, dt: float, a_l: float, a_r: float) -> bool:
        """Pressed against a wall (the wheels stalled at the last step): does the body
        overlap the wall both after the whole step and after the bisection's finest part
        of it?  Then the bisection of :meth:`_contact_at` finds no free part of the step
        (from rest, each wheel turns one way: the body moves along one short arc, into
        the wall between those two overlaps): the body stays where it is and the wheels
        stall again, for two overlap tests instead of eleven, and none when both ends of
        the step lie within the span known to overlap from this pose (robokit.sim.push)."""
        lm, rm, kl, kr = self._lm, self._rm, self._kl, self._kr
        if lm.speed == 0.0 and rm.speed == 0.0:  # (held still at the last step: nearly always)
            al, alf = lm.rest_after(dt * _FINEST, dt)
            ar, arf = rm.rest_after(dt * _FINEST, dt)
        else:
            al, _ = lm.state_after(dt * _FINEST)
            ar, _ = rm.state_after(dt * _FINEST)
            alf, _ = lm.state_after(dt)
            arf, _ = rm.state_after(dt)
        dl, dr = (al - a_l) * kl, (ar - a_r) * kr
        fl, fr = (alf - a_l) * kl, (arf - a_r) * kr
        pose = (self._x, self._y, self._h)
        if not push.within(self._push_known, pose, dl, dr, fl, fr):
            for el, er in ((dl, dr), (fl, fr)):
                if not self._hits_wall(*self._arc(el, er)):
                    return False
            self._push_known = push.widen(self._push_known, pose, dl, dr, fl, fr)
        lm.block()
        rm.block()
        self._set_rates(dt, self._v)
        return True

    def _contact_at(self, dt: float, a_l: float, a_r: float) -> None:
        """The body would hit a wall within this step: find when (bisection), stop there,
        and hold the wheels still (they stall against the wall)."""
        lm, rm, kl, kr = self._lm, self._rm, self._kl, self._kr
        lo, hi = 0.0, 1.0
        best = (self._x, self._y, self._h)
        others = self.arena._shapes(self) if self.arena is not None else None  # (still)
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            al, _sl = lm.state_after(dt * mid)
            ar, _sr = rm.state_after(dt * mid)
            pose = self._arc((al - a_l) * kl, (ar - a_r) * kr)
            if self._hits_wall(*pose) or (
                    others is not None and self.arena.overlaps(self, *pose, others)):
                hi = mid
            else:
                lo = mid
                best = pose
        if lo > 0.0:
            al, _ = lm.state_after(dt * lo)
            ar, _ = rm.state_after(dt * lo)
            self.distance_mm += abs(((al - a_l) * kl + (ar - a_r) * kr) * 0.5)
            lm.angle, rm.angle = al, ar
        lm.block()
        rm.block()
        self._push_load = (0.0, 0.0)
        v_before = self._v
        self._x, self._y, self._h = best
        self._set_rates(dt, v_before)
        if not self._contact:
            # The moment of contact: this step began at _t_phys - dt and reached the wall
            # after lo of it.
            t = self._t_phys - int(round((1.0 - lo) * dt * 1e6))
            x, y, h = best
            self.recorder.event(t, "contact", {"x_mm": round(x, 1) + 0.0,  # (never -0.0)
                                               "y_mm": round(y, 1) + 0.0})
            self.contact_count += 1
            if self.first_contact is None:
                self.first_contact = (t, x, y)
            self._contact_since = t
        self._contact = True

    def _end_contact(self, t: int) -> None:
        self._contact = False
        if self._contact_since is not None:
            self.longest_contact_us = max(self.longest_contact_us, t - self._contact_since)
            self._contact_since = None

    def contacts(self) -> dict[str, Any]:
        """The body's contacts with walls and boxes so far: ``count`` (how many began),
        ``first_s`` (simulated time of the first, or None), ``first_x_mm``/``first_y_mm``
        (where the robot was then, world frame), ``longest_s`` (the longest push: time
        spent pressed against a wall without moving away, one going on counted to now)."""
        longest = self.longest_contact_us
        if self._contact_since is not None:
            longest = max(longest, self.now - self._contact_since)
        first = self.first_contact
        return {"count": self.contact_count,
                "first_s": None if first is None else first[0] / 1e6,
                "first_x_mm": None if first is None else round(first[1], 1) + 0.0,
                "first_y_mm": None if first is None else round(first[2], 1) + 0.0,
                "longest_s": longest / 1e6}
