"""A kit board at pin level: the host side of ``SimBoard(board=NAME)``.

On a simulated kit board the code in the VM (the kit HAL ``robokit_board.py``, or any
program using ``machine`` directly) sees ``machine.Pin``/``PWM``/``ADC``/``time_pulse_us``,
``neopixel`` and ``time`` whose every operation is a request to a :class:`PinSim` here
(``mp_agent.py`` has the stand-ins). The pin model binds those pins to a ``SimBrick``
built from the program's robot.toml and the board file (robokit.kits):

- PWM duty on a motor's pins (an H-bridge PWM pair, or phase/enable) -> the motor's
  voltage against the board's battery; both inputs full on -> brake; both off -> coast;
- encoder pins -> quadrature edges from the simulated motor angle, sent back with every
  answer (in bulk: the VM plays them edge by edge into the registered Pin.irq handlers);
- ADC on a line sensor's pin -> the simulated reflectance under that sensor, scaled
  between the board file's readings over white and black;
- ``time_pulse_us`` on an ultrasonic echo pin -> the echo of the simulated distance
  (5.8 µs per mm, there and back), the clock moving on by that long;
- button pins -> what ``SimBoard.hold_button`` set; the LED chain -> ``brick.light_rgb``;
- ``time.ticks_us``/``sleep_us`` -> the simulated clock (each pin operation costs
  ``PIN_COST_US`` of it, so a busy loop on a pin still moves time).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

from ..sim.brick import SimBrick
from ..sim.brickstate import BrickState
from ..sim.motor import KIT_MODELS, MODELS

#: Simulated time every pin operation costs, µs.
PIN_COST_US = 10
US_PER_MM = 5.8
_FULL = 65535


def physics_robot(board: dict[str, Any], robot: dict[str, Any] | None) -> dict[str, Any]:
    """The robot the physics simulates: the program's robot.toml (a checked config dict;
    None: the robot the board file describes), with the board's motors, the board's
    sensor positions where robot.toml gives none (0, 0), the board's body where robot.toml
    keeps the default, and a drive base on the board's wheel ports when robot.toml has
    none (DC motors drive wheels too)."""
    from ..config import STANDARD_ROVER, check_robot, tomllib

    if robot is None:
        from ..kits import robot_toml_for

        robot = check_robot(tomllib.loads(robot_toml_for(board)), source=board["name"])
    cfg = copy.deepcopy(robot)
    g = board["geometry"]
    ports = board["ports"]
    positions = g.get("sensors") or {}
    by_port: dict[str, str] = {}
    for name, dev in cfg["devices"].items():
        by_port[dev["port"]] = name
        spec = ports.get(dev["port"])
        if spec is not None and spec["type"] == "motor":
            dev["model"] = spec["model"]
        elif dev["port"] in positions and not dev.get("x") and not dev.get("y"):
            dev["x"], dev["y"] = (float(v) for v in positions[dev["port"]])
    if not cfg.get("drive_base"):
        left, right = by_port.get(g.get("left") or ""), by_port.get(g.get("right") or "")
        if left and right:
            cfg["drive_base"] = {"left": left, "right": right,
                                 "wheel_diameter": float(g["wheel_diameter"]),
                                 "axle_track": float(g["axle_track"])}
    if cfg.get("body") == STANDARD_ROVER["body"] and g.get("body"):
        cfg["body"] = {**cfg["body"], **{k: float(v) for k, v in g["body"].items()}}
    return cfg


def make_brick(board: dict[str, Any], robot: dict[str, Any] | None, world: Any, *,
               seed: int | None = None, noise: bool = False) -> SimBrick:
    """A SimBrick for ``robot`` on ``board`` (see :func:`physics_robot`), its motors the
    board's (kit models included) on the board's battery."""
    cfg = physics_robot(board, robot)
    placeholder = copy.deepcopy(cfg)
    for dev in placeholder["devices"].values():
        if dev.get("model") not in MODELS:
            dev["model"] = "spike_medium"  # replaced below: SimBrick knows robot.toml models
    brick = SimBrick(world, placeholder, seed=seed, noise=noise)
    brick.robot = cfg
    for port, m in brick._motors.items():
        spec = board["ports"].get(port) or {}
        model = KIT_MODELS.get(spec.get("model", "")) or MODELS.get(spec.get("model", ""))
        if model is not None:
            # Same object (the drive base holds it): new parameters, same reflected load.
            m.__init__(model, extra_inertia=m.extra_inertia,  # type: ignore[misc]
                       battery_mv=float(board["battery_mv"]))
    return brick


def as_kit(brick: SimBrick, board: dict[str, Any], robot: dict[str, Any] | None) -> None:
    """Make ``brick`` (built, not yet run: ``simulate(on_start=...)``) the robot ``robot``
    on ``board`` as :func:`make_brick` builds it: the kit's geometry, drive base and
    motors, in the same world with the same seed, noise, duration and telemetry rate.
    This is ``robokit run --board NAME`` in the plain simulator."""
    kit = make_brick(board, robot, brick.world, seed=brick.seed, noise=brick.noise)
    end_us, period = brick.end_us, brick._record_period
    presses = brick._presses  # (robokit run --press: the kit's buttons get them too)
    brick.__dict__.clear()  # the kit's robot in its place, for the runner that holds it
    brick.__dict__.update(kit.__dict__)
    for name in BrickState.__slots__:  # (and the state held in its fields)
        try:
            value = getattr(kit, name)
        except AttributeError:  # (not set: the wheels of a robot with no drive base)
            continue
        setattr(brick, name, value)
    brick.set_presses(presses)
    from ..sim.presses import KitButtons

    #: What its hub.buttons can report (the press check: robokit.sim.starts).
    brick.kit_buttons = KitButtons(board["name"], tuple(board.get("buttons") or ()))
    brick.end_us = end_us
    brick._record_period = period
    brick._next_record = 0 if period else None
    brick._update_next_event()
    brick.recorder.begin(brick)
    # The kit's battery, as its HAL reports it on the board (DCMotor.dc is a share of it).
    battery_mv = float(board["battery_mv"])
    hub_battery = brick.battery

    def battery() -> tuple[float, float]:
        return battery_mv, hub_battery()[1]

    brick.battery = battery  # type: ignore[method-assign]


class PinSim:
    """The pins of one kit board bound to one simulated robot (see the module docstring).

    ``held`` is the set of button names held down (SimBoard.hold_button fills it)."""

    def __init__(self, board: dict[str, Any], brick: SimBrick,
                 held: set[str] | Callable[[], set[str]] | None = None):
        self.board = board
        self.brick = brick
        self._held = held if held is not None else set()
        self.battery_mv = float(board["battery_mv"])
        self.duty: dict[int, int] = {}
        self.freq: dict[int, int] = {}
        self.level: dict[int, int] = {}
        self.pull: dict[int, int] = {}
        self._motor_pins: dict[int, str] = {}
        self._enc: dict[int, str] = {}  # encoder pin -> port
        self._enc_n: dict[str, int] = {}  # count delivered to the VM, per port
        self._enc_on: set[str] = set()  # ports whose encoder pins have IRQ handlers
        self._adc: dict[int, str] = {}
        self._echo: dict[int, str] = {}
        self._buttons: dict[int, tuple[str, int]] = {}
        self.pixels: dict[int, list[tuple[int, ...]]] = {}
        #: (frequency Hz, duty 0..65535) of the buzzer now.
        self.tone: tuple[int, int] = (0, 0)
        self._buzzer = (board.get("buzzer") or {}).get("pin")
        for letter, spec in board["ports"].items():
            if spec["type"] == "motor":
                for p in spec.get("pwm") or spec.get("phase_enable"):
                    self._motor_pins[p] = letter
                if spec.get("encoder") is not None:
                    for p in spec["encoder"]:
                        self._enc[p] = letter
                    self._enc_n[letter] = self._count(letter)
            elif spec["type"] == "line":
                self._adc[spec["adc"]] = letter
            else:
                self._echo[spec["echo"]] = letter
        for name, b in (board.get("buttons") or {}).items():
            self._buttons[b["pin"]] = (name, b["active"])

    # -- helpers -----------------------------------------------------------------------------
    def held(self) -> set[str]:
        h = self._held
        return h() if callable(h) else h

    def _count(self, port: str) -> int:
        """Quadrature count the simulated motor's angle gives now (edges, all four)."""
        spec = self.board["ports"][port]
        b = self.brick
        b._sync()
        n = math.floor(b._motors[port].angle * float(spec["counts_per_rev"]) / 360.0)
        return -n if spec.get("reverse") else n

    def _edges(self) -> list[list[int]]:
        out = []
        for port in self._enc_on:
            n = self._count(port)
            old = self._enc_n[port]
            if n != old:
                a, b = self.board["ports"][port]["encoder"]
                out.append([a, b, old, n])
                self._enc_n[port] = n
        return out

    def _enc_level(self, pin: int) -> int:
        port = self._enc[pin]
        a, _ = self.board["ports"][port]["encoder"]
        la, lb = ((0, 0), (1, 0), (1, 1), (0, 1))[self._enc_n[port] & 3]
        return la if pin == a else lb

    def _drive(self, port: str) -> None:
        spec = self.board["ports"][port]
        b = self.brick
        b._sync()
        m = b._motors[port]
        if "pwm" in spec:
            f, r = spec["pwm"]
            df, dr = self.duty.get(f, 0), self.duty.get(r, 0)
            if df >= _FULL and dr >= _FULL:
                m.brake()
            elif df == 0 and dr == 0:
                m.coast()
            else:
                m.set_voltage((df - dr) / _FULL * self.battery_mv)
        else:
            d, p = spec["phase_enable"]
            duty = self.duty.get(p, 0)
            if duty == 0:
                m.brake()  # phase/enable drivers (DRV8838) short the motor at enable low
            else:
                sign = -1.0 if self.level.get(d, 0) else 1.0
                m.set_voltage(sign * duty / _FULL * self.battery_mv)

    # -- the requests --------------------------------------------------------------------------
    def call(self, op: str, args: list[Any], spent_us: int = 0) -> list[Any]:
        """Serve one pin request from the VM, which has spent ``spent_us`` of simulated
        time reading its clock since the last one: ``[value, edges, now_us]``."""
        b = self.brick
        if spent_us > 0:
            b._spend(int(spent_us))
        value: Any = None
        if op == "ticks":
            value = b.time_us()
        elif op == "sleep":
            b.sleep_us(int(args[0]))
        else:
            b._spend(PIN_COST_US)
            value = getattr(self, "_op_" + op)(*args)
        return [value, self._edges(), b.now]

    def _op_init(self, pin: int, mode: int, pull: int, value: int | None) -> int | None:
        if pull in (1, 2):
            self.pull[pin] = 1 if pull == 1 else 0
        if value is not None:
            self._op_set(pin, value)
        if pin in self._enc:
            port = self._enc[pin]
            self._enc_n[port] = self._count(port)
            return self._enc_level(pin)
        return None

    def _op_get(self, pin: int) -> int:
        if pin in self._buttons:
            name, active = self._buttons[pin]
            return active if name in self.held() else 1 - active
        if pin in self._enc:
            return self._enc_level(pin)
        if pin in self._echo:
            return 0
        return self.level.get(pin, self.pull.get(pin, 0))

    def _op_set(self, pin: int, v: int) -> None:
        self.level[pin] = 1 if v else 0
        port = self._motor_pins.get(pin)
        if port is not None:
            self._drive(port)

    def _op_irq(self, pin: int, trigger: int) -> None:
        port = self._enc.get(pin)
        if port is not None:
            if trigger:
                self._enc_on.add(port)
            else:
                self._enc_on.discard(port)

    def _op_pwm(self, pin: int, freq: int | None, duty: int | None) -> None:
        if freq is not None:
            self._op_freq(pin, freq)
        self._op_duty(pin, duty if duty is not None else self.duty.get(pin, 0))

    def _op_freq(self, pin: int, f: int | None) -> int | None:
        if f is None:
            return self.freq.get(pin, 1000)
        self.freq[pin] = int(f)
        if pin == self._buzzer:
            self.tone = (int(f), self.tone[1])
        return None

    def _op_duty(self, pin: int, d: int | None) -> int | None:
        if d is None:
            return self.duty.get(pin, 0)
        d = max(0, min(_FULL, int(d)))
        self.duty[pin] = d
        port = self._motor_pins.get(pin)
        if port is not None:
            self._drive(port)
        if pin == self._buzzer:
            self.tone = (self.freq.get(pin, 1000), d)
        return None

    def _op_adc(self, pin: int) -> int:
        port = self._adc.get(pin)
        if port is None:
            return 0
        spec = self.board["ports"][port]
        r, g, bl = self.brick.color_rgb(port)
        refl = (r + g + bl) / 3.0
        white, black = spec.get("white", 5000), spec.get("black", 60000)
        return int(max(0, min(_FULL, round(black + (white - black) * refl / 100.0))))

    def _op_pulse(self, pin: int, level: int, timeout: int) -> int:
        port = self._echo.get(pin)
        b = self.brick
        if port is None or level != 1:
            b.sleep_us(int(timeout))
            return -2  # no pulse started
        d = b.ultrasonic_distance(port)
        if d >= 2000.0:
            b.sleep_us(int(timeout))
            return -1
        us = round(d * US_PER_MM)
        if us > timeout:
            b.sleep_us(int(timeout))
            return -1
        b.sleep_us(us)
        return int(us)

    def _op_pixels(self, pin: int, px: list[list[int]]) -> None:
        self.pixels[pin] = [tuple(p) for p in px]
        first = px[0] if px else [0, 0, 0]
        rgb = tuple(round(v / 2.55, 1) for v in first[:3])
        self.brick.light_rgb = None if not any(rgb) else rgb  # type: ignore[assignment]


def active_robot(files: dict[str, bytes]) -> dict[str, Any] | None:
    """The robot configuration of the program stored on a board (its active slot's
    manifest), or None."""
    for name in ("/robokit/active", "/robokit/active.tmp"):
        slot = files.get(name)
        if slot is not None:
            break
    else:
        return None
    try:
        manifest = json.loads(files[f"/robokit/slots/{slot.decode().strip()}/manifest.json"])
    except (KeyError, ValueError, UnicodeDecodeError):
        return None
    robot = manifest.get("robot") if isinstance(manifest, dict) else None
    return robot if isinstance(robot, dict) else None
