"""Robots fitted to a Pybricks program: the robot a program builds, read off its source.

Without a robot.toml, a program that imports ``pybricks`` (and not ``robokit``) runs on
the robot it constructs: the hub class it makes, each motor and sensor on the port it
names (with its ``positive_direction`` and ``gears`` when written as literals), the drive
base's motors, wheel diameter and axle track from its ``DriveBase(...)`` call.  Sensors
go where such robots carry them: a colour sensor looking down ahead of the axle, an
ultrasonic sensor facing forward, a force sensor on the front bumper.  Motors outside
the drive base are free.  Read with :mod:`ast` only; the program never runs.

``robokit robot --from PROGRAM`` prints the result as robot.toml (:func:`robot_toml`).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from ..config import STANDARD_ROVER, check_robot
from ..errors import ConfigError, ProgramError
from .imports import ImportGraph, find_imports

#: Pybricks device class -> robot.toml device type.
DEVICES = {
    "Motor": "Motor", "DCMotor": "DCMotor", "ColorSensor": "ColorSensor",
    "ColorDistanceSensor": "ColorSensor", "UltrasonicSensor": "UltrasonicSensor",
    "ForceSensor": "ForceSensor",
    # The WeDo 2.0 infrared (motion) sensor measures along a forward ray, as an
    # ultrasonic sensor does (robokit.devices.pybricks.pupextra).
    "InfraredSensor": "UltrasonicSensor",
    # The EV3's touch sensor is the bumper's plunger (robokit.devices.pybricks.ev3devices);
    # its gyro sensor is the body's IMU, not a device of robot.toml.
    "TouchSensor": "ForceSensor",
    # The NXT light sensor looks down as a colour sensor does (pybricks.nxtdevices).
    "LightSensor": "ColorSensor",
}
HUBS = ("PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "CityHub", "MoveHub",
        "EV3Brick")
#: An EV3 program's robot: the EV3 educator vehicle (large motors; the wheels and axle
#: track of the Pybricks EV3 documentation's driving base; the brick's size and mass).
EV3_DRIVE = {"wheel_diameter": 55.5, "axle_track": 104.0}
EV3_BODY = {"front": 110.0, "back": -90.0, "width": 140.0, "mass_g": 850.0}
DRIVE_BASES = ("DriveBase", "GyroDriveBase")
_RESERVED = ("hub", "drive_base", "names")
#: Where sensors sit on a fitted robot (mm, robot frame: x forward from the axle).
COLOR_X, ULTRASONIC_X, FORCE_X = 70.0, 80.0, 90.0
COLOR_SPACING, ULTRASONIC_SPACING = 24.0, 40.0


def uses_pybricks(tree: ast.Module) -> bool:
    """True when the module imports anything from ``pybricks``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
                a.name.split(".")[0] == "pybricks" for a in node.names):
            return True
        if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                and node.module.split(".")[0] == "pybricks"):
            return True
    return False


def shown_prefix(root: Path) -> str:
    """What messages put before a module's path in the project: the project folder
    relative to the working folder when inside it (``""`` for the working folder)."""
    try:
        rel = os.path.relpath(root)
    except ValueError:  # another drive (Windows)
        rel = str(root)
    shown = str(root) if rel.startswith("..") else rel
    return "" if shown == "." else shown.replace(os.sep, "/") + "/"


def fitted_robot(graph: ImportGraph) -> dict[str, Any] | None:
    """The robot a Pybricks program builds (read off all its modules), checked; None
    for a program that imports robokit (it keeps the standard rover) or no pybricks."""
    from .checks import HUB_PORTS, check_robot_ports

    mods = [m for m in graph.modules if m.tree is not None]  # entry first
    trees = [m.tree for m in mods if m.tree is not None]
    if graph.imports_robokit or not any(uses_pybricks(t) for t in trees):
        return None
    where: dict[str, tuple[int, int]] = {}
    fitted = fit_robot(trees, graph.entry.relpath, where)
    hub = fitted["hub"]["type"]
    for name, dev in fitted["devices"].items():
        if dev["port"] not in HUB_PORTS.get(hub, dev["port"]):
            module, line = where[name]
            at = f"{shown_prefix(graph.root)}{mods[module].relpath}:{line}"
            raise ConfigError(
                f"{at}: {dev['type']} on Port.{dev['port']}: the program's hub, "
                f"{'an' if hub[0] in 'AEIOU' else 'a'} {hub}, "
                f"has no port {dev['port']} (its ports are {', '.join(HUB_PORTS[hub])}); "
                "use one of them, or write a robot.toml")
    source = f"{graph.entry.relpath} (the robot fitted to the program)"
    cfg = check_robot(fitted, source=source)
    check_robot_ports(cfg, source)
    return cfg


def fit_program(program: str | Path) -> dict[str, Any]:
    """The robot fitted to ``program`` (a .py file or project folder), checked.

    Raises ProgramError when the program cannot be read or parsed, or builds its robot
    some other way (it imports robokit, or nothing of pybricks)."""
    graph = find_imports(program)
    entry = graph.entry
    if entry.tree is None:
        err = entry.syntax_error
        line = f":{err.lineno}" if err is not None and err.lineno else ""
        raise ProgramError(f"{entry.relpath}{line}: the program has a syntax error; "
                           "run robokit check on it to see it")
    fitted = fitted_robot(graph)
    if fitted is None:
        why = ("imports robokit, so it runs on robot.toml or the standard rover"
               if graph.imports_robokit else "imports nothing from pybricks")
        raise ProgramError(f"{entry.relpath}: {why}; robokit robot --from fits a robot "
                           "to a Pybricks program (from pybricks.pupdevices import Motor...)")
    return fitted


def _bindings(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted Pybricks name it stands for."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "pybricks":
                    if a.asname:
                        out[a.asname] = a.name
                    else:
                        out["pybricks"] = "pybricks"
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.split(".")[0] == "pybricks"):
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = f"{node.module}.{a.name}"
                else:
                    for name in (*DEVICES, *HUBS, *DRIVE_BASES, "Car"):
                        out.setdefault(name, f"{node.module}.{name}")
    return out


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


class _Reader:
    def __init__(self, tree: ast.Module):
        self.names = _bindings(tree)
        self.constants: dict[str, Any] = {}
        self.targets: dict[int, str] = {}  # id(call) -> the name it is assigned to
        self.members: dict[str, ast.Attribute] = {}  # LEFT_PORT = Port.A
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                t = node.targets[0]
                name = t.id if isinstance(t, ast.Name) else (
                    t.attr if isinstance(t, ast.Attribute) else None)
                if name is None:
                    continue
                self.targets[id(node.value)] = name
                if isinstance(node.value, ast.Attribute) and isinstance(t, ast.Name):
                    self.members[t.id] = node.value
                try:
                    self.constants[name] = ast.literal_eval(node.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    pass

    def cls(self, call: ast.Call) -> str | None:
        """The Pybricks class a call makes (``"Motor"``), or None."""
        dotted = _dotted(call.func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.names.get(head)
        if full is None:
            return None
        full = f"{full}.{rest}" if rest else full
        return full.rpartition(".")[2] if full.startswith("pybricks.") else None

    def arg(self, call: ast.Call, index: int, keyword: str) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
        return call.args[index] if len(call.args) > index else None

    def resolve(self, node: ast.expr | None) -> ast.expr | None:
        """``Port.A`` for a name assigned ``Port.A`` in the module; else ``node``."""
        if isinstance(node, ast.Name) and node.id in self.members:
            return self.members[node.id]
        return node

    def value(self, node: ast.expr | None) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None


def _member(node: ast.expr | None) -> str | None:
    """``"A"`` for ``Port.A`` (the attribute's name)."""
    return node.attr if isinstance(node, ast.Attribute) else None


def fit_robot(tree: ast.Module | list[ast.Module], name: str = "program",
              where: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """The robot configuration (unchecked; give it to ``config.check_robot``) that the
    program constructs: ``tree`` is its entry module, or all its modules, entry first.
    ``where`` (if given) gets, per device, the index of its module and its line."""
    trees = tree if isinstance(tree, list) else [tree]
    where = {} if where is None else where
    calls: list[tuple[_Reader, ast.Call]] = []
    index: dict[int, int] = {}  # id(reader) -> module index
    for i, t in enumerate(trees):
        reader = _Reader(t)
        index[id(reader)] = i
        calls += sorted(((reader, n) for n in ast.walk(t) if isinstance(n, ast.Call)),
                        key=lambda rc: (rc[1].lineno, rc[1].col_offset))
    hub = "PrimeHub"
    devices: dict[str, dict[str, Any]] = {}
    by_call: dict[int, str] = {}  # id(call) -> device name
    by_var: dict[str, str] = {}  # variable -> device name
    ports: dict[str, str] = {}
    drive: dict[str, Any] | None = None
    for r, call in calls:  # devices first: a DriveBase(Motor(...), ...) makes its motors
        cls = r.cls(call)
        if cls in HUBS:
            hub = cls
        elif cls in DEVICES:
            port = _member(r.resolve(r.arg(call, 0, "port")))
            if port is None or port in ports:
                if port is not None:
                    by_call[id(call)] = ports[port]
                    var = r.targets.get(id(call))
                    if var:
                        by_var[var] = ports[port]
                continue
            var = r.targets.get(id(call))
            dev_name = var if var and var.isidentifier() and var not in _RESERVED else \
                f"{DEVICES[cls].lower()}_{port.lower()}"
            if dev_name in devices:
                dev_name = f"{dev_name}_{port.lower()}"
            dev: dict[str, Any] = {"type": DEVICES[cls], "port": port}
            if cls in ("Motor", "DCMotor"):
                direction = _member(r.resolve(r.arg(call, 1, "positive_direction")))
                dev["positive_direction"] = ("counterclockwise"
                                             if direction == "COUNTERCLOCKWISE" else "clockwise")
                gears = r.value(r.arg(call, 2, "gears")) if cls == "Motor" else None
                if isinstance(gears, (list, tuple)) and gears:
                    dev["gears"] = [list(g) if isinstance(g, tuple) else g for g in gears]
            devices[dev_name] = dev
            ports[port] = dev_name
            where[dev_name] = (index[id(r)], call.lineno)
            by_call[id(call)] = dev_name
            if var:
                by_var[var] = dev_name
    for r, call in calls:
        if r.cls(call) in DRIVE_BASES and drive is None:
            sides = []
            for i, kw in ((0, "left_motor"), (1, "right_motor")):
                node = r.arg(call, i, kw)
                motor = None
                if isinstance(node, ast.Call):
                    motor = by_call.get(id(node))
                elif node is not None:
                    motor = by_var.get((_dotted(node) or "").rpartition(".")[2])
                sides.append(motor)
            if None in sides or sides[0] == sides[1]:
                continue
            wheel = r.value(r.arg(call, 2, "wheel_diameter"))
            track = r.value(r.arg(call, 3, "axle_track"))
            defaults = EV3_DRIVE if hub == "EV3Brick" else STANDARD_ROVER["drive_base"]
            drive = {"left": sides[0], "right": sides[1],
                     "wheel_diameter": _number(wheel, defaults["wheel_diameter"]),
                     "axle_track": _number(track, defaults["axle_track"])}
    for r, call in calls:  # a Car's first two drive motors are the robot's wheels
        if r.cls(call) == "Car" and drive is None:
            drive = _car_drive(r, call, by_call, by_var)
    _place_sensors(devices)
    if hub == "EV3Brick":  # EV3 large motors (robokit.sim.motor's ev3_large)
        for dev in devices.values():
            if dev["type"] == "Motor":
                dev["model"] = "ev3_large"
    out: dict[str, Any] = {"name": f"the robot {name} builds", "hub": {"type": hub},
                           "devices": devices}
    if drive is not None:
        out["drive_base"] = drive
        body = dict(EV3_BODY if hub == "EV3Brick" else STANDARD_ROVER["body"])
        body["width"] = max(body["width"], drive["axle_track"] + 38.0)
        out["body"] = body
    return out


def _car_drive(r: _Reader, call: ast.Call, by_call: dict[int, str],
               by_var: dict[str, str]) -> dict[str, Any] | None:
    """The drive base a ``Car(steer_motor, (left, right, ...))`` call makes: its first
    two drive motors on the standard rover's wheels (robokit.devices.pybricks.car);
    None with one drive motor."""
    node = r.arg(call, 1, "drive_motors")
    if not isinstance(node, (ast.Tuple, ast.List)) or len(node.elts) < 2:
        return None
    sides = []
    for elt in node.elts[:2]:
        if isinstance(elt, ast.Call):
            sides.append(by_call.get(id(elt)))
        else:
            sides.append(by_var.get((_dotted(elt) or "").rpartition(".")[2]))
    if None in sides or sides[0] == sides[1]:
        return None
    return {"left": sides[0], "right": sides[1],
            "wheel_diameter": float(STANDARD_ROVER["drive_base"]["wheel_diameter"]),
            "axle_track": float(STANDARD_ROVER["drive_base"]["axle_track"])}


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(default)


def _place_sensors(devices: dict[str, dict[str, Any]]) -> None:
    for kind, x, spacing in (("ColorSensor", COLOR_X, COLOR_SPACING),
                             ("UltrasonicSensor", ULTRASONIC_X, ULTRASONIC_SPACING),
                             ("ForceSensor", FORCE_X, ULTRASONIC_SPACING)):
        group = [d for d in devices.values() if d["type"] == kind]
        for i, d in enumerate(group):
            d["x"] = x
            d["y"] = (i - (len(group) - 1) / 2.0) * spacing
            if kind == "UltrasonicSensor":
                d["heading"] = 0.0


def robot_toml(robot: dict[str, Any], comment: str = "") -> str:
    """``robot`` (a checked configuration) as robot.toml text."""
    def value(v: Any) -> str:
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return f"{v:.1f}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append(f"name = {value(robot['name'])}")
    lines += ["", "[hub]", f"type = {value(robot['hub']['type'])}"]
    for name, dev in robot["devices"].items():
        lines += ["", f"[devices.{name}]"]
        lines += [f"{k} = {value(v)}" for k, v in dev.items()]
    for table in ("drive_base", "body"):
        if robot.get(table):
            lines += ["", f"[{table}]"]
            lines += [f"{k} = {value(v)}" for k, v in robot[table].items()]
    return "\n".join(lines) + "\n"
