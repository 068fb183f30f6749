"""Board support for MicroPython robot kits: board files, their checks, and what goes on
a board.

A board file (``firmware_templates/micropython/boards/<name>.py``, or any file a user
writes with ``robokit board new NAME``) holds one dict literal ``BOARD = {...}`` naming
the kit's pins (motor drivers, encoders, line sensors, ultrasonic, buttons, LEDs,
buzzer) and its geometry for the simulator. The board imports it as
``robokit_board_config`` and the kit HAL (``firmware_templates/micropython/
robokit_board.py``, installed as ``/lib/robokit_board.py``) builds the HAL from it; the
host reads it with ``ast.literal_eval`` (nothing in it runs on the host). Keys and
meaning: docs/boards.md.

    from robokit.kits import list_boards, load_board, check_robot, board_support_files
    board = load_board("kitronik_pico_robotics")
    problems = check_robot(board, robot)      # [] when the board offers what robot.toml asks
    files = board_support_files(board["name"])  # {"/lib/robokit_board.py": b"...", ...}
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: Port letters, as the device API has them.
PORTS = ("A", "B", "C", "D", "E", "F")
MCUS = ("rp2040", "rp2350", "esp32", "esp32s2", "esp32s3", "esp32c3")
PORT_TYPES = ("motor", "line", "ultrasonic")
#: What each port type can hold (robot.toml device types).
OFFERS = {
    "motor": ("Motor", "DCMotor"),
    "line": ("ColorSensor",),
    "ultrasonic": ("UltrasonicSensor",),
}
_WHAT = {"motor": "a motor port", "line": "a line sensor port", "ultrasonic": "an ultrasonic port"}
#: Names hub.buttons.pressed() knows (robokit.devices.parameters.Button).
BUTTON_NAMES = ("LEFT", "RIGHT", "CENTER", "UP", "DOWN", "BLUETOOTH", "BEACON")
MAX_PIN = 48
#: Each microcontroller's GPIO numbers, and those an ADC reads (a line sensor's pin), from
#: the makers' datasheets: the RP2350B's extra pins (GP30..GP47, ADC on GP40..GP47) are
#: allowed for the RP2350; ESP32 numbers with no pin (GP20, GP24, GP28..GP31) are not
#: told apart.
MCU_PINS: dict[str, tuple[range, tuple[int, ...]]] = {
    "rp2040": (range(30), tuple(range(26, 30))),
    "rp2350": (range(48), (*range(26, 30), *range(40, 48))),
    "esp32": (range(40), (0, 2, 4, 12, 13, 14, 15, 25, 26, 27, *range(32, 40))),
    "esp32s2": (range(47), tuple(range(1, 21))),
    "esp32s3": (range(49), tuple(range(1, 21))),
    "esp32c3": (range(22), tuple(range(6))),
}
#: The largest board file robokit reads, in bytes (docs/limits.md).
MAX_BOARD_BYTES = 1_000_000
_TOP_REQUIRED = ("name", "title", "mcu", "url", "ble", "battery_mv", "ports", "buttons",
                 "leds", "buzzer", "imu", "geometry")
_TOP_OPTIONAL = ("source",)
_PORT_KEYS = {
    "motor": {"type", "pwm", "phase_enable", "freq", "encoder", "counts_per_rev", "model",
              "reverse"},
    "line": {"type", "adc", "white", "black"},
    "ultrasonic": {"type", "trigger", "echo"},
}


def _templates() -> Path:
    from .compiler.compile import templates_dir

    root = templates_dir()
    if root is not None and (root / "micropython" / "boards").is_dir():
        return root / "micropython"
    raise ConfigError("robokit's board files (firmware_templates/micropython/boards) are "
                      "missing; reinstall robokit")


def boards_dir() -> Path:
    """The folder of robokit's own board files."""
    return _templates() / "boards"


def list_boards() -> list[str]:
    """Names of the board files robokit ships, sorted."""
    return sorted(p.stem for p in boards_dir().glob("*.py") if not p.stem.startswith("_"))


# -- reading a board file ------------------------------------------------------------------


class _Source:
    """A board file's text and where each setting is, for messages."""

    def __init__(self, where: str, text: str):
        self.where = where
        self.text = text
        self.lines: dict[tuple[Any, ...], int] = {}

    def index(self, node: ast.AST, path: tuple[Any, ...]) -> None:
        self.lines[path] = getattr(node, "lineno", 0)
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant):
                    self.lines[path + (k.value,)] = getattr(k, "lineno", 0)
                    self.index(v, path + (k.value,))

    def fail(self, path: tuple[Any, ...], problem: str, fix: str) -> ConfigError:
        p = path
        while p and p not in self.lines:
            p = p[:-1]
        line = self.lines.get(p)
        at = f"{self.where}:{line}" if line else self.where
        setting = "BOARD" + "".join(f"[{k!r}]" for k in path)
        return ConfigError(f"{at}: {setting}: {problem}; {fix}")


def _parse(where: str, text: str) -> tuple[dict[str, Any], _Source]:
    src = _Source(where, text)
    from .config import parse_problem, structure_problem

    found_deep = structure_problem(text)
    if found_deep is not None:
        raise ConfigError(f"{where}:{found_deep}")
    try:
        tree = ast.parse(text, where)
    except SyntaxError as e:
        at = f"{where}:{e.lineno}" if e.lineno else where
        raise ConfigError(f"{at}: not valid Python ({e.msg}); a board file "
                          "holds one dict literal, BOARD = {...}") from e
    except (ValueError, RecursionError, MemoryError) as e:  # NUL bytes, nesting, huge ints
        raise ConfigError(f"{where}: not a board file ({parse_problem(text, e)}); a board "
                          "file holds one dict literal, BOARD = {...}") from e
    found = [n for n in tree.body
             if isinstance(n, ast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "BOARD"]
    others = [n for n in tree.body if n not in found
              and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    if len(found) != 1:
        raise ConfigError(f"{where}: a board file holds exactly one `BOARD = {{...}}`; "
                          f"found {len(found)}")
    if others:
        raise ConfigError(f"{where}:{others[0].lineno}: a board file holds only "
                          "`BOARD = {...}` (and comments); move other code out")
    node = found[0].value
    if not isinstance(node, ast.Dict):
        raise ConfigError(f"{where}:{node.lineno}: BOARD must be a dict literal {{...}}")
    try:
        value = ast.literal_eval(node)
    except RecursionError as e:
        raise ConfigError(f"{where}:{node.lineno}: {parse_problem(text, e)}") from e
    except (ValueError, TypeError, SyntaxError) as e:
        bad = _not_literal(node)
        line = bad.lineno if bad is not None else node.lineno
        what = ""
        if bad is not None:
            segment = (ast.get_source_segment(text, bad) or "").replace("\n", " ")
            what = (f": {segment[:60]!r} is not one; write the value itself" if segment
                    else "")
        raise ConfigError(f"{where}:{line}: BOARD may hold only literals (numbers, "
                          f"strings, tuples, lists, dicts, True/False/None){what}") from e
    src.index(node, ())
    return value, src


def _not_literal(node: ast.AST) -> ast.expr | None:
    """The first part of ``node`` (in the file's order) that is not a literal, as
    ``ast.literal_eval`` takes them: a call, a name, arithmetic, ..."""
    def literal(n: ast.AST) -> bool:
        if isinstance(n, ast.Constant):
            return True
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            return isinstance(n.operand, ast.Constant) and isinstance(
                n.operand.value, (int, float, complex)) and not isinstance(n.operand.value,
                                                                           bool)
        return isinstance(n, (ast.Tuple, ast.List, ast.Set, ast.Dict))

    bad = [n for n in ast.walk(node) if isinstance(n, ast.expr) and not literal(n)]
    return min(bad, key=lambda n: (n.lineno, n.col_offset)) if bad else None


def load_board(name_or_path: str | Path) -> dict[str, Any]:
    """A board, by name (one of :func:`list_boards`) or from a board file's path; checked
    (:class:`~robokit.errors.ConfigError` naming file:line and the setting otherwise)."""
    p = Path(name_or_path)
    if p.suffix == ".py" or p.parent != Path(".") or p.exists():
        if not p.is_file():
            raise ConfigError(f"{p}: no such board file; check the path, or give a board name "
                              f"({', '.join(list_boards())})")
        from .config import read_text

        try:
            text = read_text(p, str(p), ConfigError, MAX_BOARD_BYTES, "board file")
        except OSError as e:
            raise ConfigError(f"{p}: cannot read the board file ({e.strerror})") from e
        where = str(p)
    else:
        name = str(name_or_path)
        f = boards_dir() / f"{name}.py"
        if not re.fullmatch(r"[a-z0-9_]+", name) or not f.is_file():
            raise ConfigError(f"no board named {name!r}; robokit knows "
                              f"{', '.join(list_boards())}, or give the path of a board file "
                              "(`robokit board new NAME` writes one)")
        text = f.read_text(encoding="utf-8")
        where = f"boards/{f.name}"
    return board_from_text(text, where)


def board_from_text(text: str, where: str = "board file") -> dict[str, Any]:
    """Parse and check a board file's text (``where`` names it in messages)."""
    board, src = _parse(where, text)
    _check(board, src)
    return board


def _pin(src: _Source, path: tuple[Any, ...], v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_PIN:
        raise src.fail(path, f"{v!r} is not a pin number", f"write a GPIO number 0..{MAX_PIN}")
    return v


def _pair(src: _Source, path: tuple[Any, ...], v: Any, what: str) -> tuple[int, int]:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise src.fail(path, f"{v!r} is not a pair of pins", f"write ({what})")
    return _pin(src, path, v[0]), _pin(src, path, v[1])


def _num(src: _Source, path: tuple[Any, ...], v: Any, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise src.fail(path, f"{v!r} is not a number from {lo} to {hi}",
                       f"write a number from {lo} to {hi}")
    return float(v)


def _motor_models() -> tuple[str, ...]:
    # The device API's table names every model the simulator has (tests/test_motor_physics
    # holds the two equal); a board file is checked without loading the physics.
    from .devices.motors import MODELS

    return tuple(MODELS)


def _check(b: Any, src: _Source) -> None:
    if not isinstance(b, dict):
        raise src.fail((), "must be a dict", "write BOARD = {...}")
    for key in b:
        if key not in _TOP_REQUIRED and key not in _TOP_OPTIONAL:
            raise src.fail((key,), "unknown setting",
                           f"use only {', '.join(_TOP_REQUIRED + _TOP_OPTIONAL)}")
    missing = [k for k in _TOP_REQUIRED if k not in b]
    if missing:
        raise src.fail((), f"missing {', '.join(missing)}", "add them (see docs/boards.md)")
    if not isinstance(b["name"], str) or not re.fullmatch(r"[a-z][a-z0-9_]*", b["name"]):
        raise src.fail(("name",), f"{b['name']!r} is not a board name",
                       "use lower-case letters, digits and _, e.g. my_robot")
    for key in ("title", "url"):
        if not isinstance(b[key], str) or not b[key].strip():
            raise src.fail((key,), "must be a non-empty string", "write it in quotes")
    if b["mcu"] not in MCUS:
        raise src.fail(("mcu",), f"unknown microcontroller {b['mcu']!r}",
                       f"use one of {', '.join(MCUS)}")
    if not isinstance(b["ble"], bool):
        raise src.fail(("ble",), f"{b['ble']!r} is not True or False",
                       "write True if the board has Bluetooth LE, else False")
    _num(src, ("battery_mv",), b["battery_mv"], 1000, 30000)
    used: dict[int, tuple[Any, ...]] = {}

    gpio, adc = MCU_PINS[b["mcu"]]
    chip = b["mcu"].upper().replace("ESP32", "ESP32-").rstrip("-")

    def take(path: tuple[Any, ...], pin: int) -> None:
        if pin not in gpio:
            raise src.fail(path, f"the {chip} has no GP{pin}",
                           f"write a GPIO number {gpio.start}..{gpio.stop - 1}")
        if path[-1] == "adc" and pin not in adc:
            raise src.fail(path, f"GP{pin} of the {chip} has no ADC, and a line sensor "
                           "needs one", "use one of " + ", ".join(f"GP{n}" for n in adc))
        if pin in used:
            other = "BOARD" + "".join(f"[{k!r}]" for k in used[pin])
            raise src.fail(path, f"GP{pin} is already used by {other}",
                           "give each function its own pin")
        used[pin] = path

    ports = b["ports"]
    if not isinstance(ports, dict):
        raise src.fail(("ports",), "must be a dict", 'write {"A": {"type": "motor", ...}}')
    models = _motor_models()
    for letter, port in ports.items():
        path: tuple[Any, ...] = ("ports", letter)
        if letter not in PORTS:
            raise src.fail(path, f"{letter!r} is not a port", f"use {', '.join(PORTS)}")
        if not isinstance(port, dict) or port.get("type") not in PORT_TYPES:
            raise src.fail(path, "needs a type", f"write \"type\": one of {PORT_TYPES}")
        kind = port["type"]
        for key in port:
            if key not in _PORT_KEYS[kind]:
                raise src.fail(path + (key,), f"not a setting of a {kind} port",
                               f"use only {', '.join(sorted(_PORT_KEYS[kind]))}")
        if kind == "motor":
            drives = [k for k in ("pwm", "phase_enable") if k in port]
            if len(drives) != 1:
                raise src.fail(path, "a motor port needs one of pwm or phase_enable",
                               'write "pwm": (forward_pin, reverse_pin) for an H-bridge '
                               'driven by two PWM pins, or "phase_enable": (dir_pin, pwm_pin)')
            for pin in _pair(src, path + (drives[0],), port[drives[0]], "pin, pin"):
                take(path + (drives[0],), pin)
            enc = port.get("encoder")
            if enc is not None:
                for pin in _pair(src, path + ("encoder",), enc, "channel_a, channel_b"):
                    take(path + ("encoder",), pin)
                _num(src, path + ("counts_per_rev",), port.get("counts_per_rev"), 1, 100000)
            if "freq" in port:
                _num(src, path + ("freq",), port["freq"], 1, 200000)
            if "reverse" in port and not isinstance(port["reverse"], bool):
                raise src.fail(path + ("reverse",), "must be True or False",
                               "True when the encoder counts down as the motor goes forward")
            model = port.get("model")
            if model not in models:
                raise src.fail(path + ("model",), f"unknown motor model {model!r}",
                               f"use one of {', '.join(models)}")
        elif kind == "line":
            take(path + ("adc",), _pin(src, path + ("adc",), port.get("adc")))
            for key in ("white", "black"):
                if key in port:
                    _num(src, path + (key,), port[key], 0, 65535)
            if port.get("white", 5000) == port.get("black", 60000):
                raise src.fail(path, "white and black read the same",
                               "give the ADC readings over white and over black")
        else:
            for key in ("trigger", "echo"):
                take(path + (key,), _pin(src, path + (key,), port.get(key)))
    buttons = b["buttons"]
    if not isinstance(buttons, dict):
        raise src.fail(("buttons",), "must be a dict", 'write {"CENTER": {"pin": 0, ...}}')
    for name, btn in buttons.items():
        path = ("buttons", name)
        if name not in BUTTON_NAMES:
            raise src.fail(path, f"{name!r} is not a button name",
                           f"use one of {', '.join(BUTTON_NAMES)}")
        if not isinstance(btn, dict):
            raise src.fail(path, "must be a dict", 'write {"pin": 0, "pull": "up", "active": 0}')
        take(path + ("pin",), _pin(src, path + ("pin",), btn.get("pin")))
        if btn.get("pull") not in ("up", "down", None):
            raise src.fail(path + ("pull",), f"{btn.get('pull')!r} is not a pull",
                           'write "up", "down" or None')
        if btn.get("active") not in (0, 1):
            raise src.fail(path + ("active",), f"{btn.get('active')!r} is not 0 or 1",
                           "write the level the pin reads while the button is pressed")
    leds = b["leds"]
    if leds is not None:
        if not isinstance(leds, dict):
            raise src.fail(("leds",), "must be a dict or None", 'write {"pin": 18, "count": 4}')
        take(("leds", "pin"), _pin(src, ("leds", "pin"), leds.get("pin")))
        _num(src, ("leds", "count"), leds.get("count"), 1, 1024)
    buzzer = b["buzzer"]
    if buzzer is not None:
        if not isinstance(buzzer, dict):
            raise src.fail(("buzzer",), "must be a dict or None", 'write {"pin": 16}')
        take(("buzzer", "pin"), _pin(src, ("buzzer", "pin"), buzzer.get("pin")))
        if buzzer.get("enable") is not None:
            take(("buzzer", "enable"), _pin(src, ("buzzer", "enable"), buzzer["enable"]))
    if b["imu"] is not None and not isinstance(b["imu"], dict):
        raise src.fail(("imu",), "must be a dict or None", "write None if there is no IMU")
    _check_geometry(b, src)


def _check_geometry(b: dict[str, Any], src: _Source) -> None:
    g = b["geometry"]
    if not isinstance(g, dict):
        raise src.fail(("geometry",), "must be a dict",
                       'write {"left": "A", "right": "B", "wheel_diameter": 65, ...}')
    _num(src, ("geometry", "wheel_diameter"), g.get("wheel_diameter"), 10, 500)
    _num(src, ("geometry", "axle_track"), g.get("axle_track"), 20, 1000)
    for side in ("left", "right"):
        port = g.get(side)
        if port is not None and (b["ports"].get(port) or {}).get("type") != "motor":
            raise src.fail(("geometry", side), f"{port!r} is not a motor port of this board",
                           "name the motor port of that wheel, or None")
    body = g.get("body", {})
    if not isinstance(body, dict):
        raise src.fail(("geometry", "body"), "must be a dict",
                       'write {"front": 90, "back": -60, "width": 140, "mass_g": 400}')
    for key, lo, hi in (("front", 1, 1000), ("back", -1000, -1), ("width", 10, 1000),
                        ("mass_g", 10, 50000)):
        if key in body:
            _num(src, ("geometry", "body", key), body[key], lo, hi)
    sensors = g.get("sensors", {})
    if not isinstance(sensors, dict):
        raise src.fail(("geometry", "sensors"), "must be a dict",
                       'write {"C": (75, 12)}: x forward, y left of the wheel axle, mm')
    for port, xy in sensors.items():
        path = ("geometry", "sensors", port)
        if port not in b["ports"]:
            raise src.fail(path, f"{port!r} is not a port of this board",
                           "name a line or ultrasonic port")
        if not isinstance(xy, (tuple, list)) or len(xy) != 2:
            raise src.fail(path, f"{xy!r} is not an (x, y) position", "write (x_mm, y_mm)")
        for v in xy:
            _num(src, path, v, -1000, 1000)


# -- robot.toml against a board ------------------------------------------------------------


def check_robot(board: dict[str, Any], robot: dict[str, Any],
                source: str = "robot.toml") -> list[str]:
    """What ``robot`` (a robot.toml configuration) asks for that ``board`` does not have,
    one clear line each, in the order of the ports; [] when it fits. ``source`` names the
    robot at the start of each line (the robot file). The kit HAL on the board applies the
    same rules before a program runs."""
    title = board["title"]
    ports = board["ports"]
    problems = []
    devices = (robot.get("devices") or {}).items()
    for name, dev in sorted(devices, key=lambda item: (str(item[1].get("port")), item[0])):
        kind = dev.get("type")
        letter = dev.get("port")
        where = f"{source}: devices.{name} ({kind} on port {letter})"
        port = ports.get(letter)
        if port is None:
            have = ", ".join(f"{p} ({ports[p]['type']})" for p in sorted(ports)) or "none"
            problems.append(f"{where}: {title} has no port {letter}; its ports are {have}")
            continue
        ptype = port["type"]
        if kind not in OFFERS[ptype]:
            offer = [t for t, o in OFFERS.items() if kind in o]
            if not offer:
                problems.append(f"{where}: {title} cannot offer a {kind}; remove it from "
                                f"{source}")
            else:
                problems.append(f"{where}: port {letter} of {title} is {_WHAT[ptype]}, not "
                                f"{_WHAT[offer[0]]}")
            continue
        if kind == "Motor" and port.get("encoder") is None:
            problems.append(f"{where}: port {letter} of {title} has no encoder, so it "
                            'cannot be a Motor; use type = "DCMotor"')
    return problems


# -- files for the board -------------------------------------------------------------------


def board_support_files(name: str) -> dict[str, bytes]:
    """The files ``robokit install --board NAME`` puts on the board: the kit HAL as
    ``/lib/robokit_board.py`` and the board file as ``/lib/robokit_board_config.py``.
    ``name`` is a board name or a board file's path (checked first)."""
    board = load_board(name)
    p = Path(name)
    src = p if p.is_file() else boards_dir() / f"{board['name']}.py"
    hal = _templates() / "robokit_board.py"
    return {"/lib/robokit_board.py": hal.read_bytes(),
            "/lib/robokit_board_config.py": src.read_bytes()}


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def robot_toml_for(board: dict[str, Any]) -> str:
    """A robot.toml for a robot built on ``board`` as its board file describes it: the
    wheel motors (Motor with encoders, else DCMotor), every line sensor and ultrasonic
    sensor with its position, a drive base when both wheels have encoders."""
    ports = board["ports"]
    g = board["geometry"]
    sensors = g.get("sensors", {})
    out = [f"# robot.toml for {board['title']} (board file: {board['name']})",
           f"name = {_toml_str(board['title'])}", "", "[hub]", 'type = "Hub"', ""]
    names: dict[str, str] = {}
    wheels = {g.get("left"): "left_motor", g.get("right"): "right_motor"}
    lines = [p for p in sorted(ports) if ports[p]["type"] == "line"]
    line_names = {1: ["line_sensor"], 2: ["left_line", "right_line"],
                  3: ["left_line", "centre_line", "right_line"]}.get(
        len(lines), [f"line_{p.lower()}" for p in lines])
    for p in sorted(ports):
        port = ports[p]
        if port["type"] == "motor":
            names[p] = wheels.get(p) or f"motor_{p.lower()}"
        elif port["type"] == "line":
            names[p] = line_names[lines.index(p)]
        else:
            names[p] = "ultrasonic_sensor" if p == min(
                q for q in ports if ports[q]["type"] == "ultrasonic") else f"ultrasonic_{p.lower()}"
    for p in sorted(ports):
        port = ports[p]
        out.append(f"[devices.{names[p]}]")
        if port["type"] == "motor":
            kind = "Motor" if port.get("encoder") is not None else "DCMotor"
            out += [f'type = "{kind}"', f'port = "{p}"', 'positive_direction = "clockwise"']
        else:
            kind = "ColorSensor" if port["type"] == "line" else "UltrasonicSensor"
            x, y = sensors.get(p, (0.0, 0.0))
            out += [f'type = "{kind}"', f'port = "{p}"', f"x = {float(x)}", f"y = {float(y)}"]
        out.append("")
    left, right = g.get("left"), g.get("right")
    if (left in ports and right in ports and ports[left].get("encoder") is not None
            and ports[right].get("encoder") is not None):
        out += ["[drive_base]", f'left = "{names[left]}"', f'right = "{names[right]}"',
                f"wheel_diameter = {float(g['wheel_diameter'])}",
                f"axle_track = {float(g['axle_track'])}", ""]
    body = g.get("body") or {}
    if body:
        out.append("[body]")
        out += [f"{k} = {float(body[k])}" for k in ("front", "back", "width", "mass_g")
                if k in body]
        out.append("")
    return "\n".join(out)


def new_board_text(name: str) -> str:
    """The board file ``robokit board new NAME`` writes: a commented template for a kit
    with two H-bridge motors, to fill in from the kit's schematic or library. As written
    it loads (``load_board``), so a user can start from a working file."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"{name!r} is not a board name; use lower-case letters, digits "
                          "and _, e.g. my_robot")
    return f'''# robokit board file for "{name}". Fill it in from your kit's schematic or its
# maker's MicroPython library; every key is described in robokit's docs/boards.md.
# The file holds one dict literal and nothing else: the board imports it, robokit on the
# computer reads it without running it. Check it with: robokit board check {name}.py
BOARD = {{
    "name": "{name}",
    "title": "My robot",                    # shown in messages
    "mcu": "rp2040",                        # rp2040, rp2350, esp32, esp32s2, esp32s3, esp32c3
    "url": "https://example.com/my-robot",  # the kit's page or schematic
    "source": "where the pin numbers come from",
    "ble": False,                           # True if the board has Bluetooth LE
    "battery_mv": 6000,                     # the motor supply, millivolts
    "ports": {{
        # A motor on an H-bridge driven by two PWM pins (forward pin, reverse pin), or
        # "phase_enable": (direction_pin, pwm_pin) for a phase/enable driver.
        # "encoder": (channel_a, channel_b) and "counts_per_rev" (quadrature edges per
        # output turn) make it a full Motor; None makes it a DCMotor.
        "A": {{"type": "motor", "pwm": (20, 19), "freq": 1000, "encoder": None,
              "model": "tt_gear_48"}},
        "B": {{"type": "motor", "pwm": (6, 7), "freq": 1000, "encoder": None,
              "model": "tt_gear_48"}},
        # A reflective line sensor on an ADC pin: the readings over white and black.
        "C": {{"type": "line", "adc": 26, "white": 5000, "black": 60000}},
        # An HC-SR04-style ultrasonic sensor.
        "F": {{"type": "ultrasonic", "trigger": 14, "echo": 15}},
    }},
    # Buttons by hub.buttons name: pin, pull ("up", "down" or None), level when pressed.
    "buttons": {{"CENTER": {{"pin": 0, "pull": "down", "active": 1}}}},
    "leds": {{"pin": 18, "count": 4}},         # WS2812 / NeoPixel chain, or None
    "buzzer": {{"pin": 16}},                   # a piezo on a PWM pin, or None
    "imu": None,
    # For the simulator: wheel ports, sizes in mm, sensor positions (x forward, y left).
    "geometry": {{
        "left": "A",
        "right": "B",
        "wheel_diameter": 65.0,
        "axle_track": 120.0,
        "body": {{"front": 90.0, "back": -60.0, "width": 140.0, "mass_g": 400.0}},
        "sensors": {{"C": (75.0, 0.0), "F": (85.0, 0.0)}},
    }},
}}
'''
