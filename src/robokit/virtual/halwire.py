"""The binary form of a HAL call between MicroPython's VM and the host (the host's side).

``mp_agent.py`` (in the VM) sends each call of its ``robokit_simhal`` HAL as an ``H``
message and gets its result as an ``h`` message, both binary (see "HAL calls" there):
JSON costs time on the hottest path (a lap of the line follower makes tens of thousands
of calls), and MicroPython's float formatting and parsing do not always give back the
very same double, so floats cross as their 8 bytes and both sides compute with the same
numbers. Errors still come back as the ``r`` answer of any request.

A value is a tag byte and its data: ``N`` None, ``T`` True, ``F`` False, ``i`` int
(``<q``), ``d`` float (``<d``), ``s`` str and ``b`` bytes (``<I`` length, bytes), ``l``
list or tuple (``<I`` count, values), ``j`` anything else as JSON (``<I`` length, text).
Both sides encode and decode a value with ``halvalue`` (portable code the VM runs too).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..sim.brick import SimTimeUp
from .halvalue import decode as decode  # the values' coding: one for both sides
from .halvalue import encode as encode
from .halvalue import jsonable as jsonable

if TYPE_CHECKING:
    from ..sim.brick import SimBrick

#: An ``H`` message's head: sequence number, HAL id, the method's index.
CALL = struct.Struct("<IBB")
#: An ``h`` message's head: sequence number, a Ctrl-C to deliver (1) or not (0), the
#: robot's clock (µs) and the time of its next event (-1: the VM may not read the clock
#: itself; see mp_agent_wire.py, "clock reads between events").
ANSWER = struct.Struct("<IBqq")
#: An ``S`` message: the HAL's id and the µs of clock reads the VM answered itself.
SPENT = struct.Struct("<Bq")
#: The method index of a "sync" call: nothing to do but answer (with the clock).
SYNC = 255


def spend(brick: SimBrick, us: int) -> None:
    """``us`` of clock reads the VM answered itself: simulated time short of the robot's
    next event (which the VM was told), so nothing else happens."""
    target = brick.now + us
    if target < brick._next_event:
        brick.now = target
    else:  # not reached by the VM's rule; kept safe all the same
        try:
            brick._advance_to(target)
        except SimTimeUp:
            pass  # the next call ends the run


def run_queued(hals: dict[int, SimBrick], names: list[str],
               raw: bytes) -> BaseException | None:
    """The calls of a ``Q`` message (a control tick's motor voltages), each in turn; the
    first error, or None."""
    first: BaseException | None = None
    for hid, index, args in decode(raw, 0)[0]:
        try:
            name = names[index]
            if not name:
                raise AttributeError("the HAL has no such method")
            getattr(hals[hid], name)(*args)
        except (Exception, SimTimeUp) as e:
            if first is None:
                first = e
    return first
