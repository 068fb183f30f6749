"""The hub: IMU, buttons, status light, 5x5 display, speaker, battery, system.

``PrimeHub`` (and its twin ``InventorHub``), ``EssentialHub`` and ``TechnicHub``
as in ``pybricks.hubs``.  Portable (MicroPython too).  One hub exists per
brick, so the state a program can change (heading offset, light pattern,
display image, volume) is kept once per attached HAL and shared by every Hub
object.  Everything the outside world may want to see also goes out through
``HAL.event`` (kinds ``"light"``, ``"display"``, ``"beep"``, ``"note"``).
"""

import math

from . import _hal, tools
from ._check import in_range, items
from ._check import number as check_number
from ._errors import DeviceError, UsageError
from .parameters import Axis, Button, Color, Constant, Side, _lookup

GRAVITY = 9806.65  # mm/s²
LIGHT_PERIOD_US = 5000  # how often blink/animate patterns are updated

FREQUENCY_MIN = 64
FREQUENCY_MAX = 24000

# -- shared per-brick state ---------------------------------------------------


class _Pattern:
    """A looping sequence of ``(duration_us, value)`` frames applied in the background."""

    __slots__ = ("frames", "period", "start", "apply", "last")

    def __init__(self, frames, start, apply):
        self.frames = frames
        self.period = 0
        for f in frames:
            self.period += f[0]
        self.start = start
        self.apply = apply
        self.last = -1

    def tick(self, now):
        t = (now - self.start) % self.period
        i = 0
        for f in self.frames:
            if t < f[0]:
                break
            t -= f[0]
            i += 1
        if i != self.last:
            self.last = i
            self.apply(self.frames[i][1])


class _HubState:
    """What one brick remembers between calls, whichever Hub object made them."""

    def __init__(self, hal):
        self.hal = hal
        self.heading_offset = 0.0
        self.patterns = {}  # "light" / "display" -> _Pattern
        self.ticking = False
        self.image = [[0] * 5 for _ in range(5)]
        self.display_up = Side.TOP
        self.volume = 100
        self.stop_button = Button.CENTER
        self.imu_settings = [2.0, 2500.0]  # deg/s, mm/s²
        # The robot's axes along the hub's x, y and z, as the last hub object made said
        # (one hub per brick: every hub object reads in it); None until one is made.
        self.frame = None

    def start_pattern(self, what, frames, apply):
        self.patterns[what] = _Pattern(frames, self.hal.time_us(), apply)
        if not self.ticking:
            self.ticking = True
            self.hal.every(LIGHT_PERIOD_US, self._tick)
        self.patterns[what].tick(self.hal.time_us())

    def stop_pattern(self, what):
        if what in self.patterns:
            del self.patterns[what]

    def _tick(self, now):
        for p in list(self.patterns.values()):
            p.tick(now)


_brick = None  # for a HAL that cannot carry an attribute


def _shared():
    """The state of the brick behind the active HAL (made fresh for a new HAL), kept on
    the HAL: several robots in one run each have their own."""
    global _brick
    hal = _hal.get()
    st = getattr(hal, "_robokit_hub", None)
    if st is not None and st.hal is hal:
        return st
    if _brick is not None and _brick.hal is hal:
        return _brick
    st = _HubState(hal)
    try:
        hal._robokit_hub = st
    except AttributeError:
        _brick = st
    return st


def _animate(what, noun, frames, interval, shown, apply):
    """Show ``frames`` one after another, ``interval`` ms each, in the background on
    the ``"light"`` or the ``"display"``: ``shown`` is what its event says they are,
    ``apply`` shows one frame (None: the HAL's own method of that name)."""
    if not frames:
        raise UsageError(what + ".animate needs at least one " + noun)
    in_range(interval, "interval", 1, 3600000, "ms")
    s = _shared()
    s.hal.event(what, {"animate": shown, "interval": interval})
    s.start_pattern(what, [(int(interval * 1000), f) for f in frames],
                    apply or getattr(s.hal, what))


def _timeline(actions, total_us, name, cancel=None):
    """Do ``actions`` (``(offset_us, fn)`` in time order) and end ``total_us`` after now.

    Blocks until the end, or inside a task returns the awaitable for it.  The
    actions due at offset 0 happen at once either way."""
    hal = _hal.get()
    t0 = hal.time_us()
    todo = list(actions)

    def run_due(now):
        while todo and todo[0][0] <= now - t0:
            todo.pop(0)[1]()

    run_due(t0)
    if tools.in_task():

        def poll():
            now = hal.time_us()
            run_due(now)
            return now - t0 >= total_us

        return tools.operation(poll, cancel, None, name)
    while todo:
        wait_us = t0 + todo[0][0] - hal.time_us()
        if wait_us > 0:
            hal.sleep_us(wait_us)
        run_due(hal.time_us())
    rest = t0 + total_us - hal.time_us()
    if rest > 0:
        hal.sleep_us(rest)
    return None


# -- IMU ----------------------------------------------------------------------


def current_mount():
    """``(top_side, front_side)`` of the brick's hub as the last hub object made said, or
    None when the program has made none yet."""
    frame = _shared().frame
    return None if frame is None else (frame[2], frame[0])

_SIDE_AXES = {
    "TOP": (0, 0, 1), "BOTTOM": (0, 0, -1), "FRONT": (1, 0, 0),
    "BACK": (-1, 0, 0), "LEFT": (0, 1, 0), "RIGHT": (0, -1, 0),
}


def _vec3(value, what):
    """``(x, y, z)`` of an axis or vector (``Axis.Z``, ``-Axis.X``, a Side, 3 numbers)."""
    if isinstance(value, Constant) and value.kind == "Side":
        return _SIDE_AXES[value.name]
    try:
        return (value[0], value[1], value[2])
    except (TypeError, IndexError, KeyError):
        raise UsageError(
            f"{what} must be an axis such as Axis.Z or -Axis.X, not {repr(value)}") from None


def _as_axis(value, what):
    """A unit axis of the hub (tuple), or UsageError."""
    v = _vec3(value, what)
    if sorted(abs(c) for c in v) != [0, 0, 1]:
        raise UsageError(
            f"{what} must be one of the hub's axes (Axis.X, -Axis.Y, ...), not {repr(value)}")
    return v


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


class IMU:
    """The hub's motion sensor: heading, tilt, angular velocity, acceleration."""

    def __init__(self, hub, top_side, front_side):
        self._hub = hub
        z = _as_axis(top_side, "top_side")
        x = _as_axis(front_side, "front_side")
        if _dot(x, z) != 0:
            raise UsageError("top_side and front_side must be at right angles, " +
                             f"not {repr(top_side)} and {repr(front_side)}")
        y = (z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0])
        self._frame = (x, y, z)
        _shared().frame = self._frame
        # The brick is told (a simulated hub is mounted so, a real one already is; a
        # board's HAL from before the call has no IMU to mount). One hub per brick: the
        # last hub object made says how it is mounted.
        mount = getattr(_hal.get(), "imu_mount", None)
        if mount is not None:
            mount(self._frame)

    def _user(self, v):
        """A vector of the hub's frame in the robot's: the hub's axes, as
        ``top_side``/``front_side`` place them in the robot, weighted by ``v``."""
        x, y, z = _shared().frame or self._frame
        return (x[0] * v[0] + y[0] * v[1] + z[0] * v[2],
                x[1] * v[0] + y[1] * v[1] + z[1] * v[2],
                x[2] * v[0] + y[2] * v[1] + z[2] * v[2])

    def ready(self):
        """True when the IMU is calibrated and ready (always, here)."""
        return True

    def heading(self):
        """The robot's heading: a float in degrees, clockwise positive (turning right
        counts up), relative to where it was at start or at :meth:`reset_heading`."""
        s = _shared()
        return s.heading_offset - s.hal.imu_heading()

    def reset_heading(self, angle=0):
        """Make :meth:`heading` read ``angle`` degrees now."""
        s = _shared()
        s.heading_offset = check_number(angle, "angle", "deg") + s.hal.imu_heading()

    def angular_velocity(self, axis=None):
        """Angular velocity in deg/s: a tuple ``(x, y, z)``, or the component about
        ``axis`` (right-hand rule: ``Axis.Z`` is counterclockwise positive)."""
        g = self._user(_hal.get().imu_gyro())
        if axis is None:
            return g
        return _dot(g, _vec3(axis, "axis"))

    def acceleration(self, axis=None):
        """Acceleration in mm/s² including gravity: a tuple ``(x, y, z)`` or the
        component along ``axis``.  Lying flat, z reads about +9810."""
        a = self._user(_hal.get().imu_accel())
        if axis is None:
            return a
        return _dot(a, _vec3(axis, "axis"))

    def tilt(self):
        """``(pitch, roll)`` in whole degrees from gravity; pitch is positive when the
        front goes down, roll positive when the right side goes down."""
        ax, ay, az = self.acceleration()
        pitch = math.atan2(-ax, math.sqrt(az * az + ay * ay))
        roll = math.atan2(ay, az)
        return (int(math.degrees(pitch)), int(math.degrees(roll)))

    def up(self):
        """The :class:`Side` of the hub (not of the robot) that faces up, from gravity."""
        a = _hal.get().imu_accel()
        i = 0
        for k in (1, 2):
            if abs(a[k]) > abs(a[i]):
                i = k
        names = (("FRONT", "BACK"), ("LEFT", "RIGHT"), ("TOP", "BOTTOM"))[i]
        return getattr(Side, names[0] if a[i] >= 0 else names[1])

    def stationary(self):
        """True when the hub is not moving: turning slower than the angular velocity
        threshold about every axis and accelerating by little more than gravity."""
        s = _shared()
        g = s.hal.imu_gyro()
        a = s.hal.imu_accel()
        if max(abs(g[0]), abs(g[1]), abs(g[2])) >= s.imu_settings[0]:
            return False
        return abs(math.sqrt(_dot(a, a)) - GRAVITY) < s.imu_settings[1]

    def settings(self, angular_velocity_threshold=None, acceleration_threshold=None):
        """Get (no arguments: a tuple) or set the thresholds of :meth:`stationary`,
        in deg/s and mm/s²."""
        s = _shared()
        if angular_velocity_threshold is None and acceleration_threshold is None:
            return tuple(s.imu_settings)
        if angular_velocity_threshold is not None:
            s.imu_settings[0] = in_range(angular_velocity_threshold,
                                         "angular_velocity_threshold", 0, 1000, "deg/s")
        if acceleration_threshold is not None:
            s.imu_settings[1] = in_range(acceleration_threshold,
                                         "acceleration_threshold", 0, 100000, "mm/s²")
        return None


# -- buttons, light -------------------------------------------------------------


class Buttons:
    """The hub's buttons."""

    def pressed(self):
        """The buttons held down now: a set of :class:`Button`."""
        out = set()
        for name in _hal.get().buttons():
            b = _lookup(Button, name)
            if b is not None:
                out.add(b)
        return out


def _rgb(color, what="color"):
    if not isinstance(color, Color):
        raise UsageError(f"{what} must be a Color such as Color.RED, not {repr(color)}")
    return color.rgb()


class Light:
    """The hub's status light."""

    def on(self, color):
        """Turn the light on in ``color`` (a :class:`Color`; its v sets the brightness)."""
        rgb = _rgb(color)
        s = _shared()
        s.stop_pattern("light")
        s.hal.light(rgb)
        s.hal.event("light", {"color": [color.h, color.s, color.v]})

    def off(self):
        """Turn the light off."""
        s = _shared()
        s.stop_pattern("light")
        s.hal.light(None)
        s.hal.event("light", {"color": None})

    def blink(self, color, durations):
        """Blink in ``color`` in the background: ``durations`` are ms on, off, on, off...
        repeated until the light gets another command."""
        rgb = _rgb(color)
        durations = items(durations, "the durations of light.blink", "[500, 500] (ms on, off)")
        if not durations or len(durations) % 2:
            raise UsageError("blink durations must be pairs of on/off times in ms, " +
                             f"e.g. [500, 500], not {repr(durations)}")
        frames = []
        for i, d in enumerate(durations):
            in_range(d, "blink duration", 0, 3600000, "ms")
            frames.append((int(d * 1000), rgb if i % 2 == 0 else None))
        if sum(f[0] for f in frames) <= 0:
            raise UsageError("blink durations must not all be 0")
        s = _shared()
        s.hal.event("light", {"blink": [color.h, color.s, color.v], "durations": durations})
        s.start_pattern("light", frames, s.hal.light)

    def animate(self, colors, interval):
        """Show ``colors`` one after another, ``interval`` ms each, in the background."""
        colors = items(colors, "the colors of light.animate", "[Color.RED, Color.BLUE]", Color)
        rgbs = [_rgb(c) for c in colors]
        _animate("light", "Color", rgbs, interval, [[c.h, c.s, c.v] for c in colors], None)


# -- display ----------------------------------------------------------------------

# A 5x5 font: each glyph is 25 bits, row by row, the top-left pixel first.
_FONT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!?.,:-+='/()<>%*"
_FONT_BITS = (
    0x0E8FE31, 0x1E8FA3E, 0x0F8420F, 0x1E8C63E, 0x1F87A1F, 0x1F87A10, 0x0F84E2E, 0x118FE31,
    0x0E2108E, 0x0710A4C, 0x12A6292, 0x108421F, 0x11DD631, 0x11CD671, 0x0E8C62E, 0x1E8FA10,
    0x0C94983, 0x1E8FA51, 0x0F8383E, 0x1F21084, 0x118C62E, 0x118C544, 0x118D771, 0x1151151,
    0x1151084, 0x1F1111F, 0x0C94A4C, 0x046108E, 0x1C1321E, 0x1C1305C, 0x1297842, 0x1E8705C,
    0x0C8724C, 0x1E11108, 0x0C9324C, 0x0C9384C, 0x0421004, 0x0E89804, 0x0000004, 0x0000088,
    0x0020080, 0x0003800, 0x0023880, 0x00701C0, 0x0420000, 0x0111110, 0x0221082, 0x0821088,
    0x0222082, 0x0820888, 0x19D1173, 0x0051140,
)
# Slim digits for two-digit numbers: 5 rows of 2 bits each (left column = 2).
_SLIM_DIGITS = (
    (3, 3, 3, 3, 3), (1, 1, 1, 1, 1), (3, 1, 3, 2, 3), (3, 1, 3, 1, 3), (2, 2, 3, 1, 1),
    (3, 2, 3, 1, 3), (2, 2, 3, 3, 3), (3, 1, 1, 1, 1), (3, 3, 0, 3, 3), (3, 3, 3, 1, 1),
)


def glyph(char):
    """The 5x5 image of one character (letters are shown upper case; unknown ones as ?)."""
    c = char.upper()
    i = _FONT_CHARS.find(c)
    if c == " ":
        return [[0] * 5 for _ in range(5)]
    if i < 0:
        i = _FONT_CHARS.find("?")
    bits = _FONT_BITS[i]
    return [[100 if bits >> (24 - 5 * r - col) & 1 else 0 for col in range(5)]
            for r in range(5)]


def _number_image(n):
    if n > 99:
        return glyph(">")
    if n < -99:
        return glyph("<")
    if 0 <= n <= 9:
        return glyph(str(n))
    img = [[0] * 5 for _ in range(5)]
    m = abs(n)
    digits = ((0, m // 10), (3, m % 10)) if m >= 10 else ((3, m),)
    for col0, d in digits:
        rows = _SLIM_DIGITS[d]
        for r in range(5):
            if rows[r] & 2:
                img[r][col0] = 100
            if rows[r] & 1:
                img[r][col0 + 1] = 100
    if n < 0:
        img[2][2] = 50  # a faint dot in the middle is the minus sign
    return img


def _check_image(image):
    """A fresh 5x5 list of ints 0-100 from any 5x5 nested sequence."""
    try:
        rows = [list(row) for row in image]
        ok = len(rows) == 5 and all(len(r) == 5 for r in rows)
    except TypeError:
        ok = False
    if not ok:
        raise UsageError("an image must be 5 rows of 5 brightness values 0-100 " +
                         f"(like Icon.HEART), not {repr(image)}")
    for r in rows:
        for i in range(5):
            r[i] = int(in_range(r[i], "pixel brightness", 0, 100, "%"))
    return rows


class Display:
    """The hub's 5x5 light matrix.  Row 0 is the top, column 0 the left."""

    def _show(self, image):
        """Draw ``image`` (user orientation) on the hardware."""
        s = _shared()
        s.image = image
        up = s.display_up
        if up is Side.TOP:
            rows = [list(r) for r in image]
        else:
            rows = [[0] * 5 for _ in range(5)]
            for r in range(5):
                for c in range(5):
                    if up is Side.BOTTOM:
                        rows[4 - r][4 - c] = image[r][c]
                    elif up is Side.LEFT:
                        rows[4 - c][r] = image[r][c]
                    else:
                        rows[c][4 - r] = image[r][c]
        s.hal.display(rows)

    def _replace(self, image, event):
        s = _shared()
        s.stop_pattern("display")
        self._show(image)
        s.hal.event("display", event)

    def orientation(self, up):
        """Say which side of the hub is up (``Side.TOP``, ``LEFT``, ``RIGHT``, ``BOTTOM``)
        so images and text show upright."""
        if up not in (Side.TOP, Side.BOTTOM, Side.LEFT, Side.RIGHT):
            raise UsageError("display.orientation takes Side.TOP, Side.BOTTOM, Side.LEFT " +
                             f"or Side.RIGHT, not {repr(up)}")
        s = _shared()
        s.display_up = up
        self._show(s.image)

    def off(self):
        """Turn every pixel off."""
        self._replace([[0] * 5 for _ in range(5)], {"off": True})

    def pixel(self, row, column, brightness=100):
        """Set one pixel: ``row`` and ``column`` 0-4, ``brightness`` 0-100 %."""
        in_range(row, "display row", 0, 4, "(0 is the top)")
        in_range(column, "display column", 0, 4, "(0 is the left)")
        in_range(brightness, "pixel brightness", 0, 100, "%")
        s = _shared()
        image = [list(r) for r in s.image]
        image[int(row)][int(column)] = int(brightness)
        self._replace(image, {"pixel": [int(row), int(column), int(brightness)]})

    def icon(self, icon):
        """Show a 5x5 image (an :class:`Icon` or any 5 rows of 5 values 0-100)."""
        image = _check_image(icon)
        self._replace(image, {"icon": image})

    def char(self, char):
        """Show one character."""
        if not isinstance(char, str) or len(char) != 1:
            raise UsageError(f"display.char takes one character, not {repr(char)}")
        self._replace(glyph(char), {"char": char})

    def number(self, number):
        """Show a whole number from -99 to 99 (a faint centre dot is the minus sign;
        larger numbers show as > or <)."""
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise UsageError(f"display.number takes a number, not {repr(number)}")
        n = int(round(check_number(number, "number")))
        self._replace(_number_image(n), {"number": n})

    def text(self, text, on=500, off=50):
        """Show ``text`` one character at a time: each ``on`` ms, then dark ``off`` ms.

        Takes ``len(text) * (on + off)`` ms; inside a task, ``await`` it."""
        text = str(text)
        in_range(on, "on", 0, 3600000, "ms")
        in_range(off, "off", 0, 3600000, "ms")
        s = _shared()
        s.stop_pattern("display")
        s.hal.event("display", {"text": text, "on": on, "off": off})
        on_us = int(on * 1000)
        step = on_us + int(off * 1000)
        blank = [[0] * 5 for _ in range(5)]
        actions = []
        for i, ch in enumerate(text):
            actions.append((i * step, lambda ch=ch: self._show(glyph(ch))))
            actions.append((i * step + on_us, lambda: self._show(blank)))
        return _timeline(actions, len(text) * step, f"display.text({repr(text)})")

    def animate(self, images, interval):
        """Show ``images`` one after another, ``interval`` ms each, in the background."""
        images = items(images, "the images of display.animate", "[Icon.HEART, Icon.EMPTY]")
        try:
            _check_image(images)
        except UsageError:
            pass  # not one image: a list of them, checked one by one below
        else:
            raise UsageError("the images of display.animate must be a list such as "
                             "[Icon.HEART, Icon.EMPTY], not one image")
        frames = [_check_image(m) for m in images]
        _animate("display", "image", frames, interval, len(frames), self._show)


# -- speaker -------------------------------------------------------------------------

_NOTE_STEPS = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}


def parse_note(note):
    """``(frequency_hz, length, dotted, legato)`` of a Pybricks note string.

    ``"C4/4"`` is a quarter note C in octave 4 (261.6 Hz); ``"D#5/8."`` a dotted
    eighth D sharp; ``"Bb3/2_"`` a half note held into the next one (legato);
    ``"R/8"`` an eighth rest (frequency 0).  ``length`` is the fraction of a
    whole note: 1, 2, 4, 8, 16 or 32."""
    bad = UsageError(f"{repr(note)} is not a note: write NAME[#|b]OCTAVE/LENGTH[.][_] like " +
                     "'C4/4', 'D#5/8.' or 'R/8' for a rest")
    if not isinstance(note, str) or "/" not in note:
        raise bad
    pitch, length = note.split("/", 1)
    legato = length.endswith("_")
    if legato:
        length = length[:-1]
    dotted = length.endswith(".")
    if dotted:
        length = length[:-1]
    if length not in ("1", "2", "4", "8", "16", "32"):
        raise bad
    if pitch == "R":
        return (0, int(length), dotted, legato)
    if len(pitch) < 2 or pitch[0] not in _NOTE_STEPS:
        raise bad
    steps = _NOTE_STEPS[pitch[0]]
    octave = pitch[1:]
    if octave[0] == "#":
        steps += 1
        octave = octave[1:]
    elif octave[0] == "b":
        steps -= 1
        octave = octave[1:]
    if octave not in ("2", "3", "4", "5", "6", "7", "8"):
        raise bad
    steps += 12 * (int(octave) - 4)
    return (440.0 * 2 ** (steps / 12.0), int(length), dotted, legato)


def note_duration_ms(length, dotted, tempo):
    """How long a note of ``1/length`` whole note lasts at ``tempo`` quarter notes
    per minute, in ms (a float)."""
    ms = 4 * 60000.0 / tempo / length
    return ms * 1.5 if dotted else ms


class Speaker:
    """The hub's speaker."""

    def volume(self, volume=None):
        """Get (no argument: an int) or set the volume, 0-100 %."""
        s = _shared()
        if volume is None:
            return s.volume
        s.volume = int(in_range(volume, "volume", 0, 100, "%"))
        return None

    def _silence(self):
        _hal.get().tone(0, 0, 0)

    def beep(self, frequency=500, duration=100):
        """Play a tone of ``frequency`` Hz (64-24000) for ``duration`` ms.

        Takes ``duration`` ms (inside a task, ``await`` it).  A negative
        duration starts the tone and returns at once; it plays until the next
        sound."""
        in_range(frequency, "frequency", FREQUENCY_MIN, FREQUENCY_MAX, "Hz")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)):
            raise UsageError(f"duration must be a number of ms, not {repr(duration)}")
        check_number(duration, "duration", "ms")
        s = _shared()
        vol = s.volume
        s.hal.event("beep", {"frequency": frequency, "duration": duration, "volume": vol})
        if duration < 0:
            s.hal.tone(frequency, -1, vol)
            return _timeline((), 0, "speaker.beep")
        return _timeline(
            ((0, lambda: s.hal.tone(frequency, duration, vol)),),
            int(duration * 1000),
            f"speaker.beep({repr(frequency)}, {repr(duration)})",
            self._silence,
        )

    def play_notes(self, notes, tempo=120):
        """Play a sequence of note strings (see :func:`parse_note`) at ``tempo``
        quarter notes per minute.  Takes as long as the notes; inside a task,
        ``await`` it.  A note sounds for 7/8 of its length unless it is legato."""
        in_range(tempo, "tempo", 1, 10000, "beats per minute")
        notes = items(notes, "the notes of play_notes", "['C4/4', 'E4/4', 'G4/2']")
        parsed = [(n, parse_note(n)) for n in notes]
        s = _shared()
        vol = s.volume
        actions = []
        t = 0
        for text, (freq, length, dotted, legato) in parsed:
            ms = note_duration_ms(length, dotted, tempo)
            us = int(ms * 1000)
            if freq:
                sound_ms = ms if legato else ms * 7 / 8

                def play(text=text, freq=freq, sound_ms=sound_ms):
                    s.hal.event("note", {"note": text, "frequency": freq,
                                         "duration": sound_ms})
                    s.hal.tone(freq, sound_ms, vol)

                actions.append((t, play))
            t += us
        return _timeline(actions, t, "speaker.play_notes", self._silence)


# -- battery, system, hub ------------------------------------------------------------


class Battery:
    """The hub's battery."""

    def voltage(self):
        """Battery voltage: an int in mV."""
        return int(_hal.get().battery()[0])

    def current(self):
        """Current drawn from the battery: an int in mA."""
        return int(_hal.get().battery()[1])


class System:
    """Hub-wide settings."""

    def name(self):
        """The hub's name: a string (robot.toml's ``name``)."""
        name = _hal.get().robot_config().get("name")
        return name if name else "robokit"

    def set_stop_button(self, button):
        """Choose the button (a :class:`Button`, several, or None) that stops the program."""
        if button is not None:
            many = button if isinstance(button, (tuple, list, set)) else (button,)
            for b in many:
                if _lookup(Button, b) is not b:
                    raise UsageError("set_stop_button takes a Button, several, or None, " +
                                     f"not {repr(b)}")
        s = _shared()
        s.stop_button = button
        names = [] if button is None else [b.name for b in many]  # (the simulator's)
        s.hal.event("stop_button", {"button": None if button is None else str(button),
                                    "buttons": names})

    def stop_button(self):
        """The button(s) set with :meth:`set_stop_button` (``Button.CENTER`` at start)."""
        return _shared().stop_button

    def reset_reason(self):
        """Why the hub last reset: 0 (powered on normally)."""
        return 0


# Hub types that are the same hardware under another name.
_SAME_HUB = {"InventorHub": "PrimeHub"}


class Hub:
    """The programmable hub: ``imu``, ``buttons``, ``light``, ``display``, ``speaker``,
    ``battery``, ``system``.  ``top_side``/``front_side`` say how it is mounted: the
    robot's axes through the hub's top and front sides (``top_side=Axis.X``: its top
    faces forward); the IMU's vectors come in the robot's frame."""

    _type: str | None = None  # robot.toml hub type this class stands for; None: any hub
    _parts: tuple[str, ...] = ("display", "speaker")

    def __init__(self, top_side=Axis.Z, front_side=Axis.X, broadcast_channel=None,
                 observe_channels=None):
        hal = _hal.get()
        if self._type is not None:
            hub_cfg = hal.robot_config().get("hub") or {}
            want = hub_cfg.get("type")
            if want and _SAME_HUB.get(want, want) != _SAME_HUB.get(self._type, self._type):
                raise DeviceError(f"this program uses a {self._type}, but the robot's hub " +
                                  f"is a {want}: change the program, or robot.toml's " +
                                  "[hub] type")
        self.imu = IMU(self, top_side, front_side)
        self.buttons = Buttons()
        self.light = Light()
        self.battery = Battery()
        self.system = System()
        if "display" in self._parts:
            self.display = Display()
        if "speaker" in self._parts:
            self.speaker = Speaker()
        self._broadcast_channel = broadcast_channel
        self._observe_channels = observe_channels

    def __repr__(self):
        return (self._type or "Hub") + "()"


class PrimeHub(Hub):
    """The LEGO SPIKE Prime hub: 5x5 display, speaker, six ports."""

    _type = "PrimeHub"


class InventorHub(PrimeHub):
    """The LEGO MINDSTORMS Robot Inventor hub (the same hardware as PrimeHub)."""

    _type = "InventorHub"


class EssentialHub(Hub):
    """The LEGO SPIKE Essential hub: status light, no display or speaker."""

    _type = "EssentialHub"
    _parts = ()


class TechnicHub(Hub):
    """The LEGO Technic hub: status light, no display or speaker."""

    _type = "TechnicHub"
    _parts = ()
