"""robot.toml: the robot as built.  Loads, checks and fills in defaults.

The result is a plain dict (see :data:`STANDARD_ROVER`), the shape that
``HAL.robot_config()`` hands to the device API.  Without a robot.toml the
standard rover is assumed.
"""

from __future__ import annotations

import copy
import json
import re
import reprlib
import sys
from pathlib import Path
from typing import Any

from .devices.motors import gear_ratio
from .errors import ConfigError, RobokitError, UsageError


def toml() -> Any:
    """The TOML parser (tomllib; tomli on Python 3.10), imported when a TOML file is
    first read: ~2 ms that a run reading none (the standard rover, a cached world)
    does not pay.  ``robokit.config.tomllib`` is the same module."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib


def __getattr__(name: str) -> Any:
    if name == "tomllib":
        return toml()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PORTS = ("A", "B", "C", "D", "E", "F", "S1", "S2", "S3", "S4")
MOTOR_MODELS = (
    "spike_small",
    "spike_medium",
    "spike_large",
    "technic_large",
    "technic_xl",
    "ev3_large",
    "ev3_medium",
    "nxt",
)
DEVICE_TYPES = ("Motor", "DCMotor", "ColorSensor", "UltrasonicSensor", "ForceSensor")
HUB_TYPES = ("PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "CityHub", "MoveHub",
             "EV3Brick", "Hub")
DIRECTIONS = ("clockwise", "counterclockwise")

#: The robot assumed when there is no robot.toml (see docs/simulator.md for a diagram).
STANDARD_ROVER: dict[str, Any] = {
    "name": "standard rover",
    "hub": {"type": "PrimeHub"},
    "devices": {
        "left_motor": {
            "type": "Motor",
            "port": "A",
            "model": "spike_medium",
            "positive_direction": "counterclockwise",
        },
        "right_motor": {
            "type": "Motor",
            "port": "B",
            "model": "spike_medium",
            "positive_direction": "clockwise",
        },
        "color_sensor": {"type": "ColorSensor", "port": "C", "x": 70.0, "y": 0.0},
        "ultrasonic_sensor": {
            "type": "UltrasonicSensor",
            "port": "D",
            "x": 80.0,
            "y": 0.0,
            "heading": 0.0,
        },
        "force_sensor": {"type": "ForceSensor", "port": "E", "x": 90.0, "y": 0.0},
        "arm": {
            "type": "Motor",
            "port": "F",
            "model": "spike_medium",
            "positive_direction": "clockwise",
            "range": [-100.0, 100.0],
        },
    },
    "drive_base": {
        "left": "left_motor",
        "right": "right_motor",
        "wheel_diameter": 56.0,
        "axle_track": 112.0,
    },
    "body": {"front": 90.0, "back": -60.0, "width": 150.0, "mass_g": 1000.0},
}

_TOP_KEYS = {"name", "hub", "devices", "drive_base", "body"}
_DEVICE_KEYS = {
    "Motor": {"type", "port", "model", "positive_direction", "range", "gears"},
    "DCMotor": {"type", "port", "model", "positive_direction"},
    "ColorSensor": {"type", "port", "x", "y"},
    "UltrasonicSensor": {"type", "port", "x", "y", "heading"},
    "ForceSensor": {"type", "port", "x", "y"},
}
_DRIVE_KEYS = {"left", "right", "wheel_diameter", "axle_track"}
_BODY_KEYS = {"front", "back", "width", "mass_g"}
# Names the `robot` object uses itself, so no device may have them.
_RESERVED_NAMES = ("hub", "drive_base", "names")


# -- reading the files a user writes (robot.toml here; world and board files use these too) --

#: The largest robot file robokit reads, in bytes (docs/limits.md).
MAX_ROBOT_BYTES = 1_000_000
#: The longest robot name, and device name, robot.toml may give (characters).
MAX_NAME_CHARS = 200
#: How deeply arrays and tables may nest, and how many parts a dotted key may have, in the
#: files a user writes: far more than any of them needs, and few enough to refuse at once.
MAX_NESTING = 32

_BOM = b"\xef\xbb\xbf"
_OPEN_RUN = re.compile(rf"[\[{{](?:[ \t\r\n]*[\[{{]){{{MAX_NESTING}}}")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DOTTED_RUN = re.compile(rf"\.(?:[ \t]*{_KEY_PART}[ \t]*\.){{{MAX_NESTING - 1}}}")
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9]{4000}")


def short(value: Any) -> str:
    """``repr(value)`` cut to a readable length (for messages about a user's value)."""
    r = reprlib.Repr()
    r.maxstring = r.maxother = 60
    r.maxlong = 40
    r.maxlevel = 3
    try:
        return r.repr(value)
    except (ValueError, RecursionError):  # an int beyond the str conversion limit
        return f"a {type(value).__name__}"


def read_text(path: Path, label: str, error: type[RobokitError], limit: int, what: str) -> str:
    """The text of a user's file: at most ``limit`` bytes of UTF-8 without a byte-order
    mark; anything else raises ``error`` naming ``label``.  OSError passes through."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"{label}: the file is larger than {limit:,} bytes, the most a {what} "
                    "may be; is it the right file?")
    return decode_text(data, label, error)


def decode_text(data: bytes, label: str, error: type[RobokitError]) -> str:
    """``data`` as UTF-8 text, or ``error`` naming ``label`` and where it is not."""
    if data.startswith(_BOM):
        raise error(f"{label}: the file starts with a UTF-8 byte-order mark; save it without one")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{label}:{line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                    f"at byte offset {exc.start}); save it as UTF-8") from exc


def structure_problem(text: str) -> str | None:
    """``"LINE: what; what to do"`` when the text nests arrays or tables deeper than
    MAX_NESTING, has a dotted key of more than MAX_NESTING parts, or a number of 4000
    digits or more; else None.  A quick look (regular expressions that start only where
    such a run can begin, so linear in the text) run before the parser; the parsers' own
    RecursionError and ValueError are caught too (see :func:`parse_problem`)."""
    deep = "no file robokit reads needs more than a few levels"
    for pattern, what in (
            (_OPEN_RUN, f"arrays or tables nested more than {MAX_NESTING} levels deep; {deep}"),
            (_DOTTED_RUN, f"a dotted key of more than {MAX_NESTING} parts; {deep}"),
            (_LONG_NUMBER, "a number of 4000 digits or more; write numbers with at most 20 "
                           "digits")):
        m = pattern.search(text)
        if m is not None:
            return f"{text.count(chr(10), 0, m.start()) + 1}: {what}"
    return None


def parse_problem(text: str, exc: BaseException) -> str:
    """What a parser's RecursionError or (non-syntax) ValueError means, for a message."""
    if isinstance(exc, RecursionError):
        return f"arrays or tables nested too deeply; write at most {MAX_NESTING} levels"
    found = structure_problem(text)
    if found is not None:
        return found.split(": ", 1)[1]
    return f"a value robokit cannot read ({exc}); fix the file"


def standard_rover() -> dict[str, Any]:
    """A fresh copy of the standard rover's configuration."""
    return copy.deepcopy(STANDARD_ROVER)


class _Where:
    """Finds the line of a setting in the file's text, for messages."""

    def __init__(self, source: str, text: str | None):
        self.source = source
        self.lines = text.splitlines() if text else []

    def line_of(self, table: str, key: str | None = None) -> int | None:
        start = None
        pat = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, line in enumerate(self.lines):
            if pat.match(line):
                start = i
                break
        if start is None:
            # a top-level key (name = "..."): before the first table
            kpat = re.compile(r"^\s*" + re.escape(table) + r"\s*=")
            for i, line in enumerate(self.lines):
                if line.lstrip().startswith("["):
                    break
                if kpat.match(line):
                    return i + 1
            return None
        if key is None:
            return start + 1
        kpat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if kpat.match(self.lines[i]):
                return i + 1
        return start + 1

    def fail(self, table: str, key: str | None, problem: str, fix: str) -> ConfigError:
        line = self.line_of(table, key)
        at = self.source if line is None else f"{self.source}:{line}"
        setting = table + ("." + key if key else "")
        return ConfigError(f"{at}: {setting}: {problem}; {fix}")


#: Robot files for common LEGO models that robokit ships (``robokit/robots/NAME.toml``):
#: ``--robot spike-driving-base`` loads one by name (``robokit robot --list``).
ROBOTS_DIR = Path(__file__).resolve().parent / "robots"


def builtin_robots() -> tuple[str, ...]:
    """The names of the robot files robokit ships, sorted."""
    return tuple(sorted(p.stem for p in ROBOTS_DIR.glob("*.toml")))


def builtin_robot_file(name: str) -> Path | None:
    """The shipped robot file called ``name`` (``"ev3-educator"``), or None."""
    p = ROBOTS_DIR / f"{name}.toml"
    return p if "/" not in name and "\\" not in name and p.is_file() else None


def load_robot(path: str | Path | None) -> dict[str, Any]:
    """Read and check a robot.toml (or .json), or one robokit ships by name
    (:func:`builtin_robots`; a file of that name wins); ``None`` gives the standard
    rover."""
    if path is None:
        return standard_rover()
    p = Path(path)
    shipped = builtin_robot_file(str(path)) if not p.exists() else None
    if shipped is not None:
        p = shipped
    try:
        text = read_text(p, str(p), ConfigError, MAX_ROBOT_BYTES, "robot file")
    except FileNotFoundError as exc:
        from difflib import get_close_matches

        near = get_close_matches(str(path), builtin_robots(), n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise ConfigError(
            f"{p}: no such robot file{hint}; check the path, give one of the robots robokit "
            f"ships ({', '.join(builtin_robots())}), or leave out --robot to use "
            "the standard rover"
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{p}: is a folder, not a robot file; give the path of a "
                          "robot.toml") from exc
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the robot file ({exc.strerror})") from exc
    found = structure_problem(text)
    if found is not None:
        raise ConfigError(f"{p}:{found}")
    tomllib = toml()
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        at = f"{p}:{m.group(1)}" if m else str(p)
        raise ConfigError(f"{at}: not valid TOML ({exc}); fix the syntax") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}:{exc.lineno}: not valid JSON ({exc.msg}); fix the syntax") from exc
    except (RecursionError, ValueError) as exc:
        raise ConfigError(f"{p}: {parse_problem(text, exc)}") from exc
    return check_robot(data, source=str(p), text=text)


def _number(w: _Where, table: str, key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise w.fail(table, key, f"{short(value)} is not a number",
                     f"write a number from {lo} to {hi}")
    if not lo <= value <= hi:  # NaN fails this too
        raise w.fail(table, key, f"{short(value)} is out of range",
                     f"use a value from {lo} to {hi}")
    return float(value)


def check_robot(
    data: Any, source: str = "robot config", text: str | None = None
) -> dict[str, Any]:
    """Check a robot configuration dict and fill in defaults; returns a new dict."""
    w = _Where(source, text)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a robot configuration must be a table of settings")
    for key in data:
        if key not in _TOP_KEYS:
            raise w.fail(
                key, None, "unknown setting", f"use one of: {', '.join(sorted(_TOP_KEYS))}"
            )
    name = data.get("name", Path(source).stem or "robot")
    if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
        raise w.fail("name", None, f"the name is {len(name):,} characters long",
                     f"write a name of at most {MAX_NAME_CHARS} characters")
    if isinstance(name, (dict, list)):
        raise w.fail("name", None, f"{short(name)} is not a name",
                     'write a name in quotes, e.g. name = "rover"')
    out: dict[str, Any] = {"name": str(name)}

    hub = data.get("hub", {"type": "PrimeHub"})
    if not isinstance(hub, dict):
        raise w.fail("hub", None, "must be a table", 'write [hub] with type = "PrimeHub"')
    hub_type = hub.get("type", "PrimeHub")
    if hub_type not in HUB_TYPES:
        raise w.fail("hub", "type", f"unknown hub {short(hub_type)}",
                     f"use one of {', '.join(HUB_TYPES)}")
    out["hub"] = {"type": hub_type}

    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        raise w.fail("devices", None, "must be a table",
                     "write one [devices.NAME] table per device")
    used: dict[str, str] = {}
    out_devices: dict[str, Any] = {}
    for name, dev in devices.items():
        table = f"devices.{name}"
        if len(name) > MAX_NAME_CHARS:
            raise w.fail(table, None, f"the device name is {len(name):,} characters long",
                         f"use a name of at most {MAX_NAME_CHARS} characters")
        if not name.isidentifier() or name in _RESERVED_NAMES:
            raise w.fail(table, None, f"{name!r} cannot be a device name",
                         "use a Python identifier other than hub, drive_base, names; "
                         "e.g. left_motor")
        if not isinstance(dev, dict):
            raise w.fail(table, None, "must be a table", "give it type and port settings")
        dtype = dev.get("type")
        if dtype not in DEVICE_TYPES:
            raise w.fail(table, "type", f"unknown device type {short(dtype)}",
                         f"use one of {', '.join(DEVICE_TYPES)}")
        for key in dev:
            if key not in _DEVICE_KEYS[dtype]:
                raise w.fail(table, key, f"not a setting of a {dtype}",
                             f"use only {', '.join(sorted(_DEVICE_KEYS[dtype]))}")
        port = dev.get("port")
        if port not in PORTS:
            raise w.fail(table, "port", f"{short(port)} is not a port of a {hub_type}",
                         f"use one of {', '.join(PORTS)}")
        if port in used:
            raise w.fail(table, "port", f"Port.{port} is already used by {used[port]}",
                         "give each device its own port")
        used[port] = name
        d: dict[str, Any] = {"type": dtype, "port": port}
        if dtype in ("Motor", "DCMotor"):
            model = dev.get("model", "spike_medium")
            if model not in MOTOR_MODELS:
                raise w.fail(table, "model", f"unknown motor model {short(model)}",
                             f"use one of {', '.join(MOTOR_MODELS)}")
            direction = dev.get("positive_direction", "clockwise")
            if direction not in DIRECTIONS:
                raise w.fail(table, "positive_direction", f"{short(direction)} is not a direction",
                             'use "clockwise" or "counterclockwise"')
            d["model"] = model
            d["positive_direction"] = direction
            if "gears" in dev and dtype == "Motor":
                try:
                    gear_ratio(dev["gears"])
                except UsageError as exc:
                    raise w.fail(table, "gears", str(exc),
                                 "write e.g. gears = [12, 36] (motor gear first)") from exc
                d["gears"] = dev["gears"]
            if "range" in dev:
                rng = dev["range"]
                if (not isinstance(rng, list) or len(rng) != 2
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                   and -1e9 <= v <= 1e9 for v in rng)
                        or rng[0] >= rng[1]):
                    raise w.fail(table, "range",
                                 f"{short(rng)} is not a [low, high] pair of angles",
                                 "write e.g. range = [-100, 100] (degrees), low < high")
                d["range"] = [float(rng[0]), float(rng[1])]
        else:
            d["x"] = _number(w, table, "x", dev.get("x", 0.0), -1000, 1000)
            d["y"] = _number(w, table, "y", dev.get("y", 0.0), -1000, 1000)
            if dtype == "UltrasonicSensor":
                d["heading"] = _number(w, table, "heading", dev.get("heading", 0.0), -180, 180)
        out_devices[name] = d
    out["devices"] = out_devices

    drive = data.get("drive_base")
    if drive is None:
        out["drive_base"] = None
    else:
        if not isinstance(drive, dict):
            raise w.fail("drive_base", None, "must be a table",
                         "give left, right, wheel_diameter and axle_track")
        for key in drive:
            if key not in _DRIVE_KEYS:
                raise w.fail("drive_base", key, "unknown setting",
                             f"use only {', '.join(sorted(_DRIVE_KEYS))}")
        for side in ("left", "right"):
            ref = drive.get(side)
            if (not isinstance(ref, str) or ref not in out_devices
                    or out_devices[ref]["type"] != "Motor"):
                motors = [n for n, d in out_devices.items() if d["type"] == "Motor"]
                import difflib  # only for this message: not at start-up

                near = difflib.get_close_matches(ref, motors, 1) if isinstance(ref, str) else []
                hint = f"did you mean {near[0]!r}? " if near else ""
                raise w.fail("drive_base", side, f"{short(ref)} is not a Motor in [devices]",
                             f"{hint}name one of: {', '.join(motors) or '(no motors defined)'}")
        if drive["left"] == drive["right"]:
            raise w.fail("drive_base", "right", "left and right are the same motor",
                         "use two different motors")
        out["drive_base"] = {
            "left": drive["left"],
            "right": drive["right"],
            "wheel_diameter": _number(w, "drive_base", "wheel_diameter",
                                      drive.get("wheel_diameter", 56), 10, 500),
            "axle_track": _number(w, "drive_base", "axle_track",
                                  drive.get("axle_track", 112), 20, 1000),
        }

    body = data.get("body", {})
    if not isinstance(body, dict):
        raise w.fail("body", None, "must be a table", "give front, back, width (mm)")
    for key in body:
        if key not in _BODY_KEYS:
            raise w.fail("body", key, "unknown setting",
                         f"use only {', '.join(sorted(_BODY_KEYS))}")
    defaults = STANDARD_ROVER["body"]
    b = {
        "front": _number(w, "body", "front", body.get("front", defaults["front"]), 1, 1000),
        "back": _number(w, "body", "back", body.get("back", defaults["back"]), -1000, -1),
        "width": _number(w, "body", "width", body.get("width", defaults["width"]), 10, 1000),
        "mass_g": _number(w, "body", "mass_g", body.get("mass_g", defaults["mass_g"]), 10, 50000),
    }
    out["body"] = b
    return out


#: The robot file of a program: beside it (in its folder, for a project folder).
ROBOT_FILE = "robot.toml"


def find_robot(program: str | Path, robot: str | Path | None = None) -> Path | None:
    """The robot.toml for ``program``: ``robot`` when given, else ``robot.toml`` beside the
    program (in its folder, for a project folder) when there is one, else None (the
    standard rover). A ``.rkb`` bundle carries its robot: None unless ``robot`` is given."""
    if robot is not None:
        return Path(robot)
    p = Path(program)
    if p.suffix == ".rkb":
        return None
    beside = (p if p.is_dir() else p.parent) / ROBOT_FILE
    return beside if beside.is_file() else None
