"""Several robots and the objects they push, in one world, on one simulated clock.

An :class:`Arena` joins the :class:`~robokit.sim.brick.SimBrick` of each robot (and the
movable objects of the world, ``[[objects]]``).  It does two things:

**One clock, one program at a time.**  Each robot's program runs in its own thread, but
only the program whose turn it is runs; the others wait.  A program's clock moves as on
one brick (waits, and each device call's cost); when it would pass the time another
program waits for, that one takes its turn, with every robot's physics and control ticks
run up to that time on the way, in robot order.  So what happens depends only on
simulated time, never on how the host schedules threads: the same programs and seed
give the same run, byte for byte.

**Bodies meet.**  A robot's rectangle cannot enter another body.  Driving into one, it
pushes it out of its way when its wheels' force (the motors' torque at the tyres) beats
what holds the other in place, else it stops against it, as against a wall:

- an object slides with its ``friction`` times its weight (a ball rolls: its friction is
  its rolling resistance, and it keeps rolling after a push, slowing down);
- a robot along its wheels rolls easily when its motors coast (:data:`ROLLING` of its
  weight), resists with half its motors' stall force when they brake, and with their
  stall force when they are driven or hold (each up to its tyres' grip,
  :data:`TYRE_GRIP` times its weight); sideways its tyres slide (the grip); a robot
  without a drive base slides on its body (:data:`SLIDING` of its weight).

The pushed body slides: a pushed robot's wheels do not turn, so its odometry does not
see the push.  The pusher's wheels feel the resistance as a load on their motors.
Nothing pushes two bodies at once down a chain: a body that would be pushed into a
wall or a third body does not move, and blocks.  Distance sensors see other robots
and objects; an ultrasonic sensor's ``presence()`` hears another robot's ultrasonic
sensor that measured within the last :data:`PING_US` and faces it.

The clock's events, the bodies and what sensors see of them are
:class:`~robokit.sim.floor.Floor`'s, in one thread (portable code: MicroPython's VM runs
it for a robot pushing objects with ``--exact``); the Arena adds the programs' turns,
each in its thread, and the radio several robots share.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..devices import _hal
from .crowd import ROLLING, SLIDING, TYRE_GRIP  # noqa: F401 - named in the docstring
from .floor import (  # noqa: F401 - the floor's names, where they always were
    MAX_TRACK,
    PING_CONE_DEG,
    PING_US,
    ROBOT_GREY,
    TRACK_PERIOD_US,
    Floor,
    G,
    Thing,
)
from .world import reflectance

if TYPE_CHECKING:
    from .brick import SimBrick


class Arena(Floor):
    """The robots (their bricks, in order) and the objects of one run: a
    :class:`~robokit.sim.floor.Floor` (one clock, bodies that meet) whose programs take
    turns, each in its thread."""

    def __init__(self, world: Any, bricks: list[SimBrick]):
        self._lock = threading.Lock()
        self._turned = threading.Condition(self._lock)
        #: Whose program runs now (an index into bricks), None when none does.
        self.turn: int | None = 0 if bricks else None
        #: The robots whose programs have left the run (ended, or left behind).
        self._gone: set[int] = set()
        super().__init__(world, bricks, reflectance)

    def _join_radio(self) -> None:
        if len(self.bricks) > 1:  # one radio for all (robokit.sim.air): they hear each other
            from .air import Air

            bricks = self.bricks
            air = Air(bricks[0].seed, bricks[0].noise)
            for b in bricks:
                b.air = air
                b.air_member = air.join(b)

    # -- the turns ----------------------------------------------------------------
    def _hand_over(self, brick: SimBrick, wake: int, to: int, at: int) -> None:
        """The program on ``brick`` waits until ``wake``; the one on ``to`` runs from ``at``."""
        with self._lock:
            _landing()  # a stop its watchdog raised while it had the turn lands here
            self._wake[brick.index] = wake
            self._give(to, at)
        self.wait_turn(brick)

    def _give(self, to: int, at: int) -> None:
        nb = self.bricks[to]
        if nb.now < at and not self.time_up:  # (time up: its clock stays at the end)
            nb.now = at
        self.turn = to
        self._turned.notify_all()

    def wait_turn(self, brick: SimBrick) -> None:
        """Block until the program on ``brick`` may run (its watchdog raises nothing in it
        meanwhile: see :meth:`may_raise`); the device API then talks to ``brick``."""
        i = brick.index
        with self._lock:
            while self.turn != i and i not in self._gone:
                self._turned.wait(0.05)
        _hal.attach(brick)
        brick._next_event = min(brick._own_next, self.limit(brick))

    def may_raise(self, brick: SimBrick) -> bool:
        """May the watchdog raise in this program's thread now?  Only while it has the
        turn (call with :attr:`lock` held)."""
        return self.turn == brick.index or brick.index in self._gone

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def leave(self, brick: SimBrick) -> None:
        """The program on ``brick`` ended: its robot stops (motors coast, no control
        loop), and the next program whose wake comes first takes its turn.  Once for each
        robot (a program left behind may end later)."""
        with self._lock:
            if brick.index in self._gone:
                return
            self._gone.add(brick.index)
            self._wake[brick.index] = None
        brick.stop_robot()
        nxt = self._next_wake(None)
        if nxt is not None and not self.time_up:
            try:
                while not self.time_up:
                    t_ev = min(b._own_next for b in self.bricks)
                    if t_ev > nxt[0]:
                        break
                    self._events_at(t_ev)
            except BaseException:  # noqa: S110 - robot code of another robot's tick
                pass
        with self._lock:
            if nxt is None:
                self.turn = None
                self._turned.notify_all()
            else:
                self._give(nxt[1], nxt[0])

    def leave_behind(self, brick: SimBrick) -> None:
        """The program on ``brick`` catches every stop and is left behind: its robot leaves
        the run as if the program had ended, and the others go on to the run's end.  (It
        held the turn: waiting for it, the other programs never ran again.)"""
        self.leave(brick)


def _landing() -> None:
    """Nothing: a Python call, where an exception raised in this thread by another lands."""
