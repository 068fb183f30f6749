"""``pybricks.iodevices``: the Xbox controller, PUPDevice (and LUMPDevice), the EV3's
DCMotor, and clear errors for what the simulator cannot give meaning to.

- ``XboxController``: its buttons, sticks and triggers are scripted like the hub's
  buttons (``--press xbox.a@2s``, ``--press xbox.left_y=80@1s-3s``; see
  docs/pybricks-programs.md).  A simulated controller is always found at once.
- ``PUPDevice(port)``: raw access to the device the robot has on ``port``, with the
  device's LEGO type id and its modes (:data:`DEVICES`); ``read(mode)`` gives what the
  simulator measures there, ``write(mode, data)`` sets the lights of a colour or
  ultrasonic sensor.  A port with nothing on it, or a mode the simulator does not give,
  is one clear error.
- ``LWP3Device``, ``AnalogSensor``, ``I2CDevice``, ``UARTDevice``: not simulated
  (nothing in the simulated world speaks those protocols); making one raises one
  :class:`DeviceError` naming it and saying so.

Portable (MicroPython too).
"""

from .. import _hal
from .._check import in_range
from .._errors import DeviceError, UsageError, missing_device
from .._ports import port_letter
from ..motors import MODELS
from ..parameters import Button, Color, Constant, rgb_to_hsv
from ..sensors import DEFAULT_COLORS, TOUCH_TRAVEL_MM, nearest_color
from ._await import done, reading
from ._missing import not_simulated
from ._motors import DCMotor as _DCMotor
from ._table import NOT_YET, WHY
from .pupextra import _Wireless

#: What an Xbox input's name starts with among the held buttons the HAL reports.
XBOX = "XBOX."

#: The Xbox controller's buttons, by their ``Button`` names (UP, DOWN, LEFT, RIGHT are
#: the direction pad).
XBOX_BUTTONS = ("A", "B", "X", "Y", "LB", "RB", "LJ", "RJ", "VIEW", "MENU", "GUIDE",
                "UPLOAD", "P1", "P2", "P3", "P4", "UP", "DOWN", "LEFT", "RIGHT")

# Button constants Pybricks has for the Xbox controller and robokit's Button lacks:
# added to the same class (not to its list of hub buttons), so that
# ``Button.A in xbox.buttons.pressed()`` compares by identity as everywhere else.
for _name in XBOX_BUTTONS:
    if not hasattr(Button, _name):
        setattr(Button, _name, Constant("Button", _name, _name))

#: Bit of each button in ``state()``'s ``buttons`` value (the Xbox controller's
#: Bluetooth report), and of each paddle in its ``paddles`` value.
_BUTTON_BITS = {"A": 0, "B": 1, "X": 3, "Y": 4, "LB": 6, "RB": 7, "VIEW": 10, "MENU": 11,
                "GUIDE": 12, "LJ": 13, "RJ": 14}
_PADDLE_BITS = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}
#: ``dpad()`` for each set of held direction-pad buttons (1 up, clockwise to 8 up-left).
_DPAD = {("UP",): 1, ("RIGHT", "UP"): 2, ("RIGHT",): 3, ("DOWN", "RIGHT"): 4, ("DOWN",): 5,
         ("DOWN", "LEFT"): 6, ("LEFT",): 7, ("LEFT", "UP"): 8}
#: The sticks' and triggers' names in a press (``xbox.left_x=50``) and their ranges, %.
XBOX_AXES = {"LEFT_X": (-100, 100), "LEFT_Y": (-100, 100), "RIGHT_X": (-100, 100),
             "RIGHT_Y": (-100, 100), "LEFT_TRIGGER": (0, 100), "RIGHT_TRIGGER": (0, 100)}
#: Raw full scale of ``state()``: stick axes +-32767 around 0, triggers 0-1023.
STICK_RAW = 32767
TRIGGER_RAW = 1023


def _xbox_inputs():
    """The Xbox inputs held now: (set of button names, {axis: %})."""
    buttons = set()
    axes = {}
    for name in _hal.get().buttons():
        if not name.startswith(XBOX):
            continue
        key = name[len(XBOX):]
        if "=" in key:
            axis, value = key.split("=", 1)
            axes[axis] = float(value)  # a later press of the same axis wins
        else:
            buttons.add(key)
    return buttons, axes


class _XboxButtons:
    """The controller's buttons: ``pressed()`` as the hub's."""

    def __init__(self, owner):
        self._owner = owner

    def pressed(self):
        """The controller's buttons held down now: a set of :class:`Button`."""
        self._owner._check()
        return set(getattr(Button, k) for k in _xbox_inputs()[0] if k in XBOX_BUTTONS)


class XboxController(_Wireless):
    """A Microsoft Xbox controller (Bluetooth) as a sensor.  Simulated: always found at
    once; its inputs are the scripted ``xbox.`` presses."""

    _kind = "XboxController"
    _owner = "controller"
    _event_kind = "xbox"

    def __init__(self, joystick_deadzone=10, name=None, timeout=10000, connect=True):
        self._deadzone = in_range(joystick_deadzone, "XboxController joystick_deadzone",
                                  0, 100, "%")
        self._open(name, timeout, "Xbox Wireless Controller")
        self.buttons = _XboxButtons(self)
        if connect:
            self.connect()

    def name(self):
        """The controller's Bluetooth name."""
        self._check()
        return self._name

    def _stick(self, side):
        self._check()
        axes = _xbox_inputs()[1]
        x = int(round(axes.get(side + "_X", 0.0)))
        y = int(round(axes.get(side + "_Y", 0.0)))
        if abs(x) < self._deadzone and abs(y) < self._deadzone:
            return 0, 0
        return x, y

    def joystick_left(self):
        """The left stick's ``(x, y)``, -100 to 100 % each (right and up positive), with
        the square deadzone applied."""
        return self._stick("LEFT")

    def joystick_right(self):
        """The right stick's ``(x, y)``, -100 to 100 % each (right and up positive)."""
        return self._stick("RIGHT")

    def triggers(self):
        """``(left, right)`` trigger positions, 0 to 100 %."""
        self._check()
        axes = _xbox_inputs()[1]
        return (int(round(axes.get("LEFT_TRIGGER", 0.0))),
                int(round(axes.get("RIGHT_TRIGGER", 0.0))))

    def dpad(self):
        """The direction pad: 0 not pressed, 1 up, 2 up-right, ... 8 up-left."""
        self._check()
        return _dpad(_xbox_inputs()[0])

    def profile(self):
        """The Elite controller's profile: 0 (the simulated controller has none)."""
        self._check()
        return 0

    def state(self):
        """All raw inputs: ``(x, y, z, rz, left_trigger, right_trigger, dpad, buttons,
        upload, profile, trigger_switches, paddles)``; the stick axes (left x, y and
        right x, y) are +-32767 around 0 with the signs of the ``joystick_*()`` values,
        the triggers 0-1023, ``buttons`` and ``paddles`` bit masks."""
        self._check()
        held, axes = _xbox_inputs()

        def raw(axis, full):
            return int(round(axes.get(axis, 0.0) * full / 100.0))

        bits = 0
        for key in held:
            if key in _BUTTON_BITS:
                bits |= 1 << _BUTTON_BITS[key]
        paddles = 0
        for key in held:
            if key in _PADDLE_BITS:
                paddles |= 1 << _PADDLE_BITS[key]
        return (raw("LEFT_X", STICK_RAW), raw("LEFT_Y", STICK_RAW), raw("RIGHT_X", STICK_RAW),
                raw("RIGHT_Y", STICK_RAW), raw("LEFT_TRIGGER", TRIGGER_RAW),
                raw("RIGHT_TRIGGER", TRIGGER_RAW), _dpad(held), bits,
                1 if "UPLOAD" in held else 0, 0, 0, paddles)

    def rumble(self, power=100, duration=200, count=1, delay=100):
        """Rumble: recorded as an ``xbox_rumble`` event (nothing to feel in the
        simulator); takes no time, as the rumble runs in the background."""
        self._check()
        if isinstance(power, (tuple, list)):
            if len(power) != 4:
                raise UsageError("XboxController.rumble power is one % or a tuple of 4 "
                                 + "(left, right, left trigger, right trigger), not "
                                 + repr(power))
            powers = [in_range(p, "XboxController.rumble power", 0, 100, "%") for p in power]
        else:
            p = in_range(power, "XboxController.rumble power", 0, 100, "%")
            powers = [p, p, 0.0, 0.0]
        duration = min(2500.0, in_range(duration, "XboxController.rumble duration",
                                        0, 10 ** 9, "ms"))
        delay = min(2500.0, in_range(delay, "XboxController.rumble delay", 0, 10 ** 9, "ms"))
        count = int(in_range(count, "XboxController.rumble count", 0, 100, ""))
        if duration == 0 or count < 1 or max(powers) == 0:
            return None
        _hal.get().event("xbox_rumble", {"power": powers, "duration": duration,
                                         "count": count, "delay": delay})
        return None


def _dpad(held):
    key = tuple(sorted(k for k in held if k in ("UP", "DOWN", "LEFT", "RIGHT")))
    return _DPAD.get(key, 0)


# -- PUPDevice --------------------------------------------------------------------

# LUMP data types in a mode's info: 0 int8, 1 int16, 2 int32, 3 float.
_I8 = 0
_I16 = 1
_I32 = 2

_MOTOR_MODES = (("POWER", 1, _I8), ("SPEED", 1, _I8), ("POS", 1, _I32), ("APOS", 1, _I16),
                ("CALIB", 2, _I16), ("STATS", 14, _I16))

#: LEGO's device type ids (LEGO Wireless Protocol 3.0, "IO Type ID") and the modes each
#: device reports, by robot.toml type (motors by model).  Mode numbers are positions in
#: the tuple: (name, number of values, data type).
DEVICES = {
    "spike_small": (65, _MOTOR_MODES),
    "spike_medium": (48, _MOTOR_MODES),
    "spike_large": (49, _MOTOR_MODES),
    "technic_large": (46, _MOTOR_MODES),
    "technic_xl": (47, _MOTOR_MODES),
    "ColorSensor": (61, (("COLOR", 1, _I8), ("REFLT", 1, _I8), ("AMBI", 1, _I8),
                         ("LIGHT", 3, _I8), ("RREFL", 2, _I16), ("RGB_I", 4, _I16),
                         ("HSV", 3, _I16), ("SHSV", 4, _I16), ("DEBUG", 2, _I16),
                         ("CALIB", 7, _I16))),
    "UltrasonicSensor": (62, (("DISTL", 1, _I16), ("DISTS", 1, _I16), ("SINGL", 1, _I16),
                              ("LISTN", 1, _I8), ("TRAW", 1, _I32), ("LIGHT", 4, _I8),
                              ("PING", 1, _I8), ("ADRAW", 1, _I16), ("CALIB", 7, _I16))),
    "ForceSensor": (63, (("FORCE", 1, _I8), ("TOUCH", 1, _I8), ("TAP", 1, _I8),
                         ("FRAW", 1, _I16), ("FPRAW", 1, _I16), ("CALIB", 8, _I16))),
}
#: A passive DC motor's id (a plain medium motor, 8883): no modes, reads refused.
DC_MOTOR_ID = 1

#: The modes the simulator gives readings for, and the ones it takes writes in.
READABLE = {"motor": (1, 2, 3), "ColorSensor": (0, 1, 2, 5, 6), "UltrasonicSensor": (0, 1, 3),
            "ForceSensor": (0, 1)}
WRITABLE = {"ColorSensor": (3,), "UltrasonicSensor": (5,)}

#: LEGO's colour numbers in the colour sensor's COLOR mode, by Pybricks colour name.
_COLOR_IDS = {"BLACK": 0, "MAGENTA": 1, "VIOLET": 2, "BLUE": 3, "CYAN": 4, "GREEN": 5,
              "YELLOW": 7, "ORANGE": 8, "RED": 9, "WHITE": 10}


class PUPDevice:
    """A Powered Up device on ``port``, read and written by mode number."""

    def __init__(self, port):
        self._port = port_letter(port)
        info = _hal.get().port_info(self._port)
        if info is None:
            raise missing_device("PUPDevice(Port." + self._port + "): nothing is plugged "
                                 + "in there on the simulated robot; plug a device in there "
                                 + "in robot.toml or use another port", True)
        kind = info.get("type")
        self._kind = "motor" if kind == "Motor" else kind
        self._model = info.get("model")
        if kind == "DCMotor":
            self._id = DC_MOTOR_ID
            self._modes = None
        else:
            key = self._model if kind == "Motor" else kind
            if key not in DEVICES:
                raise missing_device("PUPDevice(Port." + self._port + "): the robot has a "
                                     + str(kind) + (" (" + str(self._model) + ")"
                                                    if kind == "Motor" else "")
                                     + " there, which is not a Powered Up device", True)
            self._id, self._modes = DEVICES[key]

    def __repr__(self):
        return "PUPDevice(Port." + self._port + ")"

    def info(self):
        """``{"id": type id}`` for a passive device; with ``"modes"``, a tuple of
        ``(name, number of values, data type)`` per mode, for the others."""
        if self._modes is None:
            return {"id": self._id}
        return {"id": self._id, "modes": self._modes}

    def _mode(self, mode, allowed, what):
        if self._modes is None:
            raise OSError("PUPDevice(Port." + self._port + ") is a passive device (id "
                          + str(self._id) + "): it cannot be " + what)
        if isinstance(mode, bool) or not isinstance(mode, int) or \
                not 0 <= mode < len(self._modes):
            raise ValueError("PUPDevice mode must be an int from 0 to "
                             + str(len(self._modes) - 1) + " for device id "
                             + str(self._id) + ", not " + repr(mode))
        if mode not in allowed:
            if not allowed:
                which = "no mode of this device is"
            elif len(allowed) == 1:
                which = "mode " + str(allowed[0]) + " is"
            else:
                which = "modes " + ", ".join(str(m) for m in allowed) + " are"
            raise DeviceError("PUPDevice(Port." + self._port + ") mode " + str(mode) + " ("
                              + self._modes[mode][0] + "): " + what + " in this mode is not "
                              + "simulated; " + which)
        return mode

    def read(self, mode):
        """The values of ``mode``, a tuple, as the device reports them."""
        m = self._mode(mode, READABLE.get(self._kind, ()), "read")
        return reading(lambda: self._read(m), "read()")

    def _read(self, m):
        hal = _hal.get()
        p = self._port
        if self._kind == "motor":
            angle, speed = hal.motor_state(p)
            if m == 1:
                rated = float(MODELS[self._model]["rated_speed"])
                return (int(max(-100, min(100, round(100.0 * speed / rated)))),)
            if m == 2:
                return (int(round(angle)),)
            return ((int(round(angle)) + 180) % 360 - 180,)
        if self._kind == "ColorSensor":
            return _color_mode(m, p)
        if self._kind == "UltrasonicSensor":
            d = int(round(hal.ultrasonic_distance(p)))
            if m == 0:
                return (d if d < 2000 else -1,)
            if m == 1:
                return (d if d <= 320 else -1,)
            return (1 if hal.ultrasonic_presence(p) else 0,)
        force, travel = hal.force_state(p)
        if m == 0:
            return (int(max(0, min(100, round(10.0 * force)))),)
        return (1 if force > 0 or travel >= TOUCH_TRAVEL_MM else 0,)

    def write(self, mode, data):
        """Write ``data`` (a tuple of the mode's number of values) to ``mode``: the
        colour sensor's three lights (mode 3) or the ultrasonic sensor's four (mode 5),
        0-100 % each."""
        m = self._mode(mode, WRITABLE.get(self._kind, ()), "written")
        count = self._modes[m][1]
        if not isinstance(data, (tuple, list)) or len(data) != count:
            raise ValueError("PUPDevice.write mode " + str(m) + " takes a tuple of "
                             + str(count) + " values, not " + repr(data))
        values = [int(in_range(v, "PUPDevice.write value", 0, 100, "%")) for v in data]
        _hal.get().event("sensor_lights", {"port": self._port, "brightness": values})
        return done("write()")

    def reset(self):
        """Reset the device: it is ready again at once in the simulator."""
        if self._modes is None:
            raise OSError("PUPDevice(Port." + self._port + ") is a passive device: it "
                          + "cannot be reset")


def _color_mode(m, port):
    hal = _hal.get()
    r, g, b = hal.color_rgb(port)
    if m == 1:
        return (max(0, min(100, int(round((r + g + b) / 3.0)))),)
    if m == 2:
        return (max(0, min(100, int(round(hal.color_ambient(port))))),)
    if m == 5:
        raw = [max(0, min(1024, int(round(c * 10.24)))) for c in (r, g, b)]
        return (raw[0], raw[1], raw[2], max(raw))
    h, s, v = rgb_to_hsv(r, g, b)
    if m == 6:
        return (int(round(h)), int(round(s)), int(round(v)))
    c = nearest_color(Color(h, s, v), DEFAULT_COLORS)
    return (_COLOR_IDS.get(_color_name(c), -1),)


def _color_name(color):
    for name in _COLOR_IDS:
        if getattr(Color, name, None) is color:
            return name
    return None


class LUMPDevice(PUPDevice):
    """A device using the LEGO UART Messaging Protocol: as :class:`PUPDevice`."""

    def __repr__(self):
        return "LUMPDevice(Port." + self._port + ")"


class DCMotor(_DCMotor):
    """A DC motor for the EV3: robokit's DCMotor."""


for _name in NOT_YET["pybricks.iodevices"]:
    globals()[_name] = not_simulated("pybricks.iodevices", _name, WHY[_name])

__all__ = ["DCMotor", "LUMPDevice", "PUPDevice", "XboxController"]
