"""``pybricks.media.ev3dev``: ``Image``, ``Font``, ``SoundFile`` and ``ImageFile`` of the
EV3 (Pybricks 2.x).

``SoundFile.HELLO`` and ``ImageFile.THUMBS_UP`` are the paths of the sounds and images
on an EV3 running ev3dev, as in Pybricks; the simulator plays and shows none of them
(``ev3.speaker.play_file`` and ``ev3.screen.load_image`` record the path as an event).
``Image`` and ``Font`` keep their sizes and record what is drawn on the screen.
Portable (MicroPython too).
"""

from ..ev3brick import SCREEN_HEIGHT, SCREEN_WIDTH, Screen

_SOUNDS = "/usr/share/sounds/ev3dev/"
_IMAGES = "/usr/share/images/ev3dev/mono/"
# (folder, names): each file is the name in lower case (with a few spelt with "-").
_SOUND_FILES = (
    ("expressions", "BOING BOO CHEERING CRUNCHING CRYING FANFARE KUNG_FU LAUGHING_1 "
                 "LAUGHING_2 MAGIC_WAND OUCH SHOUTING SMACK SNEEZING SNORING UH_OH"),
    ("information", "ACTIVATE ANALYZE BACKWARDS COLOR DETECTED DOWN ERROR ERROR_ALARM "
                 "FLASHING FORWARD LEFT OBJECT RIGHT SEARCHING START STOP TOUCH TURN UP"),
    ("communication", "BRAVO EV3 FANTASTIC GAME_OVER GO GOOD GOODBYE GOOD_JOB HELLO HI LEGO "
                 "MINDSTORMS MORNING NO OKAY OKEY_DOKEY SORRY THANK_YOU YES"),
    ("movements", "SPEED_DOWN SPEED_IDLE SPEED_UP"),
    ("colors", "BLACK BLUE BROWN GREEN RED WHITE YELLOW"),
    ("mechanical", "AIRBRAKE AIR_RELEASE BACKING_ALERT HORN_1 HORN_2 LASER MOTOR_IDLE "
                 "MOTOR_START MOTOR_STOP RATCHET SONAR TICK_TACK"),
    ("animals", "CAT_PURR DOG_BARK_1 DOG_BARK_2 DOG_GROWL DOG_SNIFF DOG_WHINE "
                 "ELEPHANT_CALL INSECT_BUZZ_1 INSECT_BUZZ_2 INSECT_CHIRP SNAKE_HISS "
                 "SNAKE_RATTLE T_REX_ROAR"),
    ("numbers", "EIGHT FIVE FOUR NINE ONE SEVEN SIX TEN THREE TWO ZERO"),
    ("system", "CLICK CONFIRM GENERAL_ALERT OVERPOWER READY"),
)
_IMAGE_FILES = (
    ("information", "ACCEPT BACKWARD DECLINE FORWARD LEFT NO_GO QUESTION_MARK RIGHT STOP_1 "
                 "STOP_2 THUMBS_DOWN THUMBS_UP WARNING"),
    ("lego", "EV3 EV3_ICON"),
    ("objects", "TARGET"),
    ("eyes", "ANGRY AWAKE BOTTOM_LEFT BOTTOM_RIGHT CRAZY_1 CRAZY_2 DIZZY DOWN EVIL "
                 "KNOCKED_OUT MIDDLE_LEFT MIDDLE_RIGHT NEUTRAL PINCHED_LEFT "
                 "PINCHED_MIDDLE PINCHED_RIGHT SLEEPING TIRED_LEFT TIRED_MIDDLE "
                 "TIRED_RIGHT UP WINKING"),
)
_SPELT = {"UH_OH": "uh-oh", "OKEY_DOKEY": "okey-dokey", "T_REX_ROAR": "t-rex_roar"}


class SoundFile:
    """Paths of the EV3's standard sounds (``SoundFile.HELLO``)."""


class ImageFile:
    """Paths of the EV3's standard images (``ImageFile.THUMBS_UP``)."""


def _paths(cls, base, table, ext):
    for folder, names in table:
        for name in names.split():
            setattr(cls, name, base + folder + "/" + _SPELT.get(name, name.lower()) + ext)


_paths(SoundFile, _SOUNDS, _SOUND_FILES, ".wav")
_paths(ImageFile, _IMAGES, _IMAGE_FILES, ".png")


class Font:
    """A font for ``screen.draw_text`` and ``print``: family, size, bold, monospace."""

    DEFAULT: "Font"  # set right after the class

    def __init__(self, family=None, size=12, bold=False, monospace=False, lang=None,
                 script=None):
        self.family = family if family else "Lucida"
        self.style = "Bold" if bold else "Regular"
        self._size = int(size)
        self._monospace = bool(monospace)

    @property
    def height(self):
        """The height of the font, pixels (about its point size)."""
        return self._size

    @property
    def width(self):
        """The width of its widest character, pixels (about 2/3 of its size)."""
        return max(1, (self._size * 2 + 2) // 3)

    def text_width(self, text):
        """The width of ``text`` in this font, pixels."""
        return self.width * len(str(text))

    def text_height(self, text):
        """The height of ``text`` in this font, pixels (lines times the height)."""
        return self.height * max(1, len(str(text).split("\n")))

    def __repr__(self):
        return "Font(" + repr(self.family) + ", " + str(self._size) + ")"


Font.DEFAULT = Font("Lucida", 12)


class Image(Screen):
    """An image: ``Image("_screen_")`` draws on the screen, ``Image(path)`` is a file
    (not loaded: the simulator has no pixels), ``Image(image)`` a copy;
    ``Image.empty(width, height)`` a blank one."""

    def __init__(self, source, sub=False, x1=0, y1=0, x2=None, y2=None):
        Screen.__init__(self)
        self.source = source if isinstance(source, str) else getattr(source, "source", "image")
        self.width = SCREEN_WIDTH
        self.height = SCREEN_HEIGHT
        if isinstance(source, Screen) and not isinstance(source, Image):
            self.width, self.height = source.width, source.height
        elif isinstance(source, Image):
            self.width, self.height = source.width, source.height
        if sub:
            self.width = (self.width if x2 is None else x2) - x1 + 1
            self.height = (self.height if y2 is None else y2) - y1 + 1

    def _draw(self, op, **data):
        if self.source == "_screen_":
            Screen._draw(self, op, **data)

    @staticmethod
    def empty(width=SCREEN_WIDTH, height=SCREEN_HEIGHT):
        """A blank image of ``width`` x ``height`` pixels."""
        image = Image("empty")
        image.width = int(width)
        image.height = int(height)
        return image

    def save(self, filename):
        """Not available in the simulator (nothing to save)."""
        return None


__all__ = ["Font", "Image", "ImageFile", "SoundFile"]
