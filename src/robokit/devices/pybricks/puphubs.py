"""The hubs running LEGO's own firmware that a Pybricks program drives over Bluetooth
(``pybricks.pupdevices``): TechnicMoveHub, DuploTrain and MarioHub.

Each is another vehicle, not part of the simulated robot: in the simulator it is found
at once (as the Remote is), what the program tells it is recorded as events
(``lwp3_hub`` with ``hub``, ``command`` and its values), and what it reports is what
such a hub reports standing alone on an empty floor: a Duplo train's speed is the one it
was last told (it is not loaded), its colour sensor and a Mario hub's see nothing
(``Color.NONE``).  ``read()`` and ``write()`` (LWP3Device's raw messages) are as the
Remote's.  Portable (MicroPython too).
"""

from .. import _hal
from .._check import in_range
from .._errors import UsageError
from ..parameters import Color
from ._await import done
from .pupextra import _Wireless


class _LWP3Hub(_Wireless):
    """What the three share: connecting, the name, raw messages, events."""

    _kind = "hub"
    _owner = "hub"

    def __init__(self, name=None, timeout=10000, connect=True):
        self._open(name, timeout, self._kind)
        if connect:
            self.connect()

    def _event(self, command, data):
        data["hub"] = self._kind
        data["command"] = command
        _hal.get().event("lwp3_hub", data)

    def _say_connected(self, connected):
        self._event("connect" if connected else "disconnect", {"name": self._name})

    def name(self, name=None):
        """The hub's Bluetooth name, or give ``name`` to rename it."""
        self._check()
        if name is None:
            return self._name
        if not isinstance(name, str):
            raise UsageError(self._kind + ".name takes a str, not " + repr(name))
        self._name = name
        self._event("name", {"name": name})
        return None

    def read(self):
        """The oldest raw message from the hub not read yet: None (none in the
        simulator)."""
        return None

    def write(self, buf):
        """Send a raw LEGO Wireless Protocol message (at most 20 bytes)."""
        self._check()
        if not isinstance(buf, (bytes, bytearray)):
            raise TypeError(self._kind + ".write takes bytes, not " + repr(buf))
        if len(buf) > 20:
            raise ValueError(self._kind + ".write takes at most 20 bytes, not "
                             + str(len(buf)))
        self._event("write", {"data": list(buf)})


def _percent(value, what):
    return int(in_range(value, what, -100, 100, "%"))


class TechnicMoveHub(_LWP3Hub):
    """The LEGO Technic Move hub (a car's hub with LEGO's firmware), driven by speed and
    steering."""

    _kind = "TechnicMoveHub"

    def drive(self, speed, steering):
        """Drive at ``speed`` % (-100 to 100) and ``steering`` % (positive: right; beyond
        +-97 it is 97, as Pybricks clamps it)."""
        self._check()
        s = _percent(speed, "TechnicMoveHub speed")
        st = max(-97, min(97, _percent(steering, "TechnicMoveHub steering")))
        self._event("drive", {"speed": s, "steering": st})
        return done("drive()")


#: The sounds a Duplo train plays (Pybricks' names).
DUPLO_SOUNDS = ("brake", "depart", "water", "horn", "steam")


class DuploTrain(_LWP3Hub):
    """A LEGO Duplo train's hub: motor, headlights, sounds, speed and colour sensors."""

    _kind = "DuploTrain"

    def __init__(self, name=None, timeout=10000, connect=True):
        self._speed = 0
        _LWP3Hub.__init__(self, name, timeout, connect)

    def drive(self, speed):
        """Drive the train at ``speed`` % (-100 to 100; negative: reverse)."""
        self._check()
        self._speed = _percent(speed, "DuploTrain speed")
        self._event("drive", {"speed": self._speed})
        return done("drive()")

    def headlights(self, color):
        """The headlights' colour (a :class:`Color`)."""
        self._check()
        if not isinstance(color, Color):
            raise UsageError("DuploTrain.headlights takes a Color, not " + repr(color))
        self._event("headlights", {"color": [color.h, color.s, color.v]})
        return done("headlights()")

    def sound(self, sound):
        """Play one of the train's sounds: ``"brake"``, ``"depart"``, ``"water"``,
        ``"horn"`` or ``"steam"``."""
        self._check()
        if sound not in DUPLO_SOUNDS:
            raise ValueError("DuploTrain.sound takes one of " + ", ".join(DUPLO_SOUNDS)
                             + ", not " + repr(sound))
        self._event("sound", {"sound": sound})
        return done("sound()")

    def speed(self):
        """The train's speed, %: the one it was last told (nothing loads it here)."""
        self._check()
        return self._speed

    def color(self):
        """What the train's colour sensor sees: ``Color.NONE`` (no track markers in
        the simulated world)."""
        self._check()
        return Color.NONE


class MarioHub(_LWP3Hub):
    """LEGO Super Mario's hub: its colour sensor."""

    _kind = "MarioHub"

    def __init__(self, name=None, timeout=10000, connect=True):
        self._colors = None
        _LWP3Hub.__init__(self, name, timeout, connect)

    def color(self):
        """The colour Mario sees: ``Color.NONE`` (nothing under him here)."""
        self._check()
        return Color.NONE

    def hsv(self):
        """The hue, saturation and brightness Mario sees: black (nothing under him)."""
        self._check()
        return Color(0, 0, 0)

    def detectable_colors(self, colors=None):
        """The colours :meth:`color` may return; give ``colors`` to set them."""
        if colors is None:
            return self._colors
        colors = tuple(colors)
        for c in colors:
            if not isinstance(c, Color):
                raise UsageError("detectable_colors takes Color values, not " + repr(c))
        self._colors = colors
        return None
