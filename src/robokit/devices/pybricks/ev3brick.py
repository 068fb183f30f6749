"""``pybricks.hubs.EV3Brick`` (the Pybricks 2.x EV3 API) on robokit's hub object.

The brick's ``screen`` (178 x 128 pixels) and ``speaker`` record what a program does
with them as events (``screen``, ``beep``, ``note``, ``say``, ``play_file``): the
simulator draws no pixels and speaks no words.  ``light``, ``buttons`` (LEFT, RIGHT,
CENTER, UP, DOWN; scripted with ``--press``) and ``battery`` are the hub's.
Portable (MicroPython too).
"""

from .. import _hal
from .. import hubs as _hubs
from .._errors import UsageError
from ..parameters import Axis

#: The EV3's screen, pixels (the LEGO EV3 brick: a 178 x 128 monochrome LCD).
SCREEN_WIDTH = 178
SCREEN_HEIGHT = 128


def _event(kind, data):
    _hal.get().event(kind, data)


class Screen:
    """``ev3.screen``: an image the size of the EV3's screen; each drawing call is an
    event (``screen`` with ``op`` and its arguments)."""

    width = SCREEN_WIDTH
    height = SCREEN_HEIGHT

    def __init__(self):
        self._font = None
        self.lines = []

    def _draw(self, op, **data):
        data["op"] = op
        _event("screen", data)

    def clear(self):
        """Clear the screen (all white)."""
        self.lines = []
        self._draw("clear")

    def draw_pixel(self, x, y, color=None):
        """Draw one pixel."""
        self._draw("pixel", x=x, y=y)

    def draw_line(self, x1, y1, x2, y2, width=1, color=None):
        """Draw a line from (x1, y1) to (x2, y2)."""
        self._draw("line", x1=x1, y1=y1, x2=x2, y2=y2, width=width)

    def draw_box(self, x1, y1, x2, y2, r=0, fill=False, color=None):
        """Draw a box with corners (x1, y1) and (x2, y2)."""
        self._draw("box", x1=x1, y1=y1, x2=x2, y2=y2, r=r, fill=bool(fill))

    def draw_circle(self, x, y, r, fill=False, color=None):
        """Draw a circle of radius ``r`` around (x, y)."""
        self._draw("circle", x=x, y=y, r=r, fill=bool(fill))

    def draw_image(self, x, y, source, transparent=None):
        """Draw an image (an :class:`~.media.ev3dev.Image`, or an ``ImageFile`` path)."""
        self._draw("image", x=x, y=y, source=_source(source))

    def load_image(self, source):
        """Clear the screen and show an image."""
        self.lines = []
        self._draw("image", x=0, y=0, source=_source(source))

    def draw_text(self, x, y, text, text_color=None, background_color=None):
        """Write ``text`` with its top left corner at (x, y)."""
        self._draw("text", x=x, y=y, text=str(text))

    def print(self, *args, sep=" ", end="\n"):
        """Print on the screen as ``print`` does, line after line."""
        text = sep.join(str(a) for a in args) + end
        self.lines.extend(text.splitlines())
        self._draw("print", text=text)

    def set_font(self, font):
        """Choose the font of :meth:`draw_text` and :meth:`print`."""
        self._font = font


def _source(source):
    name = getattr(source, "source", source)
    return name if isinstance(name, str) else repr(name)


class Speaker(_hubs.Speaker):
    """``ev3.speaker``: beep and play_notes as a hub's speaker; ``say``, ``play_file``
    and the settings are recorded as events (nothing is heard)."""

    def beep(self, frequency=500, duration=100):
        """Play a tone (frequencies below 100 Hz play as 100 Hz, as on the EV3)."""
        freq = frequency
        if isinstance(freq, (int, float)) and not isinstance(freq, bool) and freq < 100:
            freq = 100
        return _hubs.Speaker.beep(self, freq, duration)

    def play_file(self, file_name):
        """Play a sound file (a ``SoundFile`` path): a ``play_file`` event."""
        if not isinstance(file_name, str):
            raise UsageError("play_file takes a file path (SoundFile.HELLO), not "
                             + repr(file_name))
        _event("play_file", {"file": file_name})

    def say(self, text):
        """Say ``text``: a ``say`` event."""
        _event("say", {"text": str(text)})

    def set_speech_options(self, language=None, voice=None, speed=None, pitch=None):
        """Language, voice, speed and pitch of :meth:`say`: a ``speech_options`` event."""
        _event("speech_options", {"language": language, "voice": voice, "speed": speed,
                                  "pitch": pitch})

    def set_volume(self, volume, which="_all_"):
        """Set the volume, 0-100 % (``which``: ``"Beep"``, ``"PCM"`` or ``"_all_"``)."""
        if which not in ("_all_", "Beep", "PCM"):
            raise UsageError("set_volume's which is 'Beep', 'PCM' or '_all_', not "
                             + repr(which))
        self.volume(volume)


class EV3Brick(_hubs.Hub):
    """The LEGO MINDSTORMS EV3 brick: ``screen``, ``speaker``, ``light``, ``buttons``,
    ``battery``; ports A-D for motors and S1-S4 for sensors."""

    _type = "EV3Brick"
    _parts = ()

    def __init__(self):
        _hubs.Hub.__init__(self, Axis.Z, Axis.X)
        del self.imu
        del self.system
        self.screen = Screen()
        self.speaker = Speaker()
