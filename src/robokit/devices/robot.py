"""``robot``: the devices robot.toml describes, ready made, by the names it gives them.

    from robokit import robot
    robot.drive_base.straight(200)
    print(robot.color_sensor.reflection())

Each device is built on first use with its configured port and
``positive_direction`` and then kept, once per attached brick (a new HAL gets
new objects).  Portable (MicroPython too).
"""

from . import _hal
from ._errors import DeviceError
from ._suggest import did_you_mean
from .parameters import Direction, Port, _lookup

_SENSORS = ("ColorSensor", "UltrasonicSensor", "ForceSensor")


def _build_device(name, spec):
    """The device object for one robot.toml entry."""
    kind = spec.get("type")
    port = _lookup(Port, spec.get("port"))
    if kind in ("Motor", "DCMotor"):
        from . import motors

        direction = _lookup(Direction, spec.get("positive_direction", "clockwise"))
        cls = motors.Motor if kind == "Motor" else motors.DCMotor
        kwargs = {"positive_direction": direction}
        if kind == "Motor" and spec.get("gears"):
            kwargs["gears"] = spec["gears"]
        return cls(port, **kwargs)
    if kind in _SENSORS:
        from . import sensors

        return getattr(sensors, kind)(port)
    raise DeviceError(f"robot.toml: device {repr(name)} has type {repr(kind)}, "
                      + "which robokit does not know")


class Robot:
    """The robot as built: one attribute per device name in robot.toml, plus
    ``hub`` and ``drive_base``.  Unknown names raise :class:`DeviceError`."""

    def __init__(self):
        self._hal = None
        self._built = {}

    def _config(self):
        hal = _hal.get()
        if hal is not self._hal:
            # What was built for each brick stays with it (several robots in one run
            # take turns being the active HAL).
            self._hal = hal
            built = getattr(hal, "_robokit_built", None)
            if built is None:
                built = {}
                try:
                    hal._robokit_built = built
                except AttributeError:
                    pass
            self._built = built
        return hal.robot_config()

    def names(self):
        """The names this robot answers to: its devices, ``hub`` and (if configured)
        ``drive_base``, as a list."""
        cfg = self._config()
        out = list((cfg.get("devices") or {}).keys())
        out.append("hub")
        if cfg.get("drive_base"):
            out.append("drive_base")
        return out

    def __dir__(self):
        try:
            return sorted(self.names()) + ["names"]
        except Exception:
            return ["names"]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        cfg = self._config()
        built = self._built
        if name in built:
            return built[name]
        devices = cfg.get("devices") or {}
        if name in devices:
            obj = _build_device(name, devices[name])
        elif name == "hub":
            from . import hubs

            hub_type = (cfg.get("hub") or {}).get("type") or "Hub"
            cls = getattr(hubs, hub_type, hubs.Hub)
            # A hub the program made says how it is mounted: robot.hub keeps to it.
            mount = hubs.current_mount()
            obj = cls() if mount is None else cls(top_side=mount[0], front_side=mount[1])
        elif name == "drive_base":
            obj = self._drive_base(cfg)
        else:
            known = self.names()
            raise DeviceError(f"robot has no {repr(name)}.{did_you_mean(name, known)} "
                              + f"robot.toml names {', '.join(known)}")
        built[name] = obj
        return obj

    def _drive_base(self, cfg):
        db = cfg.get("drive_base")
        if not db:
            raise DeviceError("robot.drive_base: robot.toml has no [drive_base] section; "
                              "add one with left, right, wheel_diameter and axle_track")
        from .robotics import DriveBase

        left = getattr(self, db["left"])
        right = getattr(self, db["right"])
        return DriveBase(left, right, db["wheel_diameter"], db["axle_track"])

    def __repr__(self):
        try:
            names = ", ".join(self.names())
            return f"<robot: {names}>"
        except Exception:
            return "<robot: no brick attached>"


robot = Robot()
