# robokit kit HAL: the hardware layer of robokit's device API on a MicroPython robot kit.
# Portable MicroPython; installed as /lib/robokit_board.py with the kit's board file as
# /lib/robokit_board_config.py (robokit install --board NAME). The loader calls
# hal(robot) with the program's robot.toml (a dict) before the program starts.
#
# From the board file (docs/boards.md): motors on H-bridge PWM pairs or phase/enable
# drivers (machine.PWM duty_u16 from millivolts against the battery), quadrature encoders
# counted in Pin.irq handlers, line sensors on machine.ADC (read_u16 -> reflection %),
# HC-SR04 ultrasonic (trigger pulse, machine.time_pulse_us on echo -> mm), buttons
# (Pin.value), WS2812 LEDs (neopixel) as the status light, a buzzer on PWM. Time is
# time.ticks_us; every() callbacks (the 5 ms control loop) run cooperatively from
# sleep_us, which sleeps in slices up to the next callback due.

import time

import machine
from machine import ADC, PWM, Pin

_OFFERS = {"motor": ("Motor", "DCMotor"), "line": ("ColorSensor",),
           "ultrasonic": ("UltrasonicSensor",)}
_WHAT = {"motor": "a motor port", "line": "a line sensor port",
         "ultrasonic": "an ultrasonic port"}
# Quadrature decoding: (old state << 2 | new state) -> step; state = A << 1 | B.
_QUAD = (0, -1, 1, 0, 1, 0, 0, -1, -1, 0, 0, 1, 0, 1, -1, 0)
_US_PER_MM = 5.8  # sound, there and back
_FAR_MM = 2000.0
_SPEED_WINDOW_US = 20000


def _error(msg):
    try:
        from robokit.devices._errors import DeviceError
    except ImportError:
        DeviceError = ValueError
    return DeviceError("robokit board: " + msg)


def problems(board, robot):
    """What ``robot`` (robot.toml) asks for that ``board`` does not have: a list of
    lines (the same rules as robokit.kits.check_robot on the computer)."""
    title = board["title"]
    ports = board["ports"]
    out = []
    devices = robot.get("devices") or {}
    for name in devices:
        dev = devices[name]
        kind = dev.get("type")
        letter = dev.get("port")
        where = "robot.toml: devices." + name + " (" + str(kind) + " on port " + str(letter) + ")"
        port = ports.get(letter)
        if port is None:
            have = ", ".join(p + " (" + ports[p]["type"] + ")" for p in sorted(ports))
            out.append(where + ": " + title + " has no port " + str(letter) + "; its ports are "
                       + (have or "none"))
            continue
        ptype = port["type"]
        if kind not in _OFFERS[ptype]:
            offer = [t for t in _OFFERS if kind in _OFFERS[t]]
            if not offer:
                out.append(where + ": " + title + " cannot offer a " + str(kind)
                           + "; remove it from robot.toml")
            else:
                out.append(where + ": port " + letter + " of " + title + " is " + _WHAT[ptype]
                           + ", not " + _WHAT[offer[0]])
            continue
        if kind == "Motor" and port.get("encoder") is None:
            out.append(where + ": port " + letter + " of " + title + " has no encoder, so it "
                       + 'cannot be a Motor; use type = "DCMotor"')
    return out


class _Motor:
    def __init__(self, spec, battery_mv):
        self.battery = battery_mv
        freq = int(spec.get("freq", 1000))
        self.pe = "phase_enable" in spec
        if self.pe:
            d, p = spec["phase_enable"]
            self.dir = Pin(d, Pin.OUT, value=0)
            self.pwm = PWM(Pin(p))
            self.pwm.freq(freq)
        else:
            f, r = spec["pwm"]
            self.fwd = PWM(Pin(f))
            self.rev = PWM(Pin(r))
            self.fwd.freq(freq)
            self.rev.freq(freq)
        self.duty = (-1, -1)
        self.level = -1
        self.count = 0
        self.offset = 0.0
        enc = spec.get("encoder")
        self.cpr = float(spec.get("counts_per_rev", 1))
        self.deg = (-360.0 if spec.get("reverse") else 360.0) / self.cpr
        self.samples = []
        if enc is not None:
            self.a = Pin(enc[0], Pin.IN, Pin.PULL_UP)
            self.b = Pin(enc[1], Pin.IN, Pin.PULL_UP)
            self.state = (self.a.value() << 1) | self.b.value()
            trig = Pin.IRQ_RISING | Pin.IRQ_FALLING
            self.a.irq(self._edge, trig)
            self.b.irq(self._edge, trig)
        self.coast()

    def _edge(self, pin):
        s = (self.a.value() << 1) | self.b.value()
        self.count += _QUAD[(self.state << 2) | s]
        self.state = s

    def _set(self, a, b):
        if (a, b) == self.duty:
            return
        self.duty = (a, b)
        if self.pe:
            if a > 0 or b > 0:
                lvl = 0 if a > 0 else 1
                if lvl != self.level:
                    self.level = lvl
                    self.dir.value(lvl)
            self.pwm.duty_u16(a if a > 0 else b)
        else:
            self.fwd.duty_u16(a)
            self.rev.duty_u16(b)

    def voltage(self, mv):
        d = int(abs(mv) * 65535 / self.battery)
        if d > 65535:
            d = 65535
        if mv >= 0:
            self._set(d, 0)
        else:
            self._set(0, d)

    def coast(self):
        self._set(0, 0)

    def brake(self):
        if self.pe:
            self._set(0, 0)  # a phase/enable driver brakes at duty 0
        else:
            self._set(65535, 65535)

    def state_at(self, now):
        c = self.count
        s = self.samples
        if not s or now - s[-1][0] >= 4000:
            s.append((now, c))
            while len(s) > 2 and now - s[1][0] >= _SPEED_WINDOW_US:
                s.pop(0)
        t0, c0 = s[0]
        speed = (c - c0) * self.deg * 1e6 / (now - t0) if now > t0 else 0.0
        return c * self.deg + self.offset, speed


class KitHal:
    """The HAL (robokit.devices._hal.HAL's methods) of a kit described by a board file."""

    def __init__(self, board, robot):
        self.board = board
        self.robot = robot
        self._last = time.ticks_us()
        self._now = 0
        self._timers = []
        self._tone_end = None
        self._bat = float(board["battery_mv"])
        self._info = {}
        devices = robot.get("devices") or {}
        for name in devices:
            info = dict(devices[name])
            info["name"] = name
            self._info[info["port"]] = info
        self._motors = {}
        self._adc = {}
        self._sonar = {}
        ports = board["ports"]
        for letter in sorted(ports):
            spec = ports[letter]
            if spec["type"] == "motor":
                self._motors[letter] = _Motor(spec, self._bat)
                info = self._info.get(letter)
                if info is not None:
                    info["model"] = spec.get("model")
            elif spec["type"] == "line" and letter in self._info:
                self._adc[letter] = (ADC(Pin(spec["adc"])), float(spec.get("white", 5000)),
                                     float(spec.get("black", 60000)))
            elif spec["type"] == "ultrasonic" and letter in self._info:
                trig = Pin(spec["trigger"], Pin.OUT, value=0)
                self._sonar[letter] = (trig, Pin(spec["echo"], Pin.IN))
        self._buttons = []
        buttons = board.get("buttons") or {}
        for name in buttons:
            b = buttons[name]
            pull = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN}.get(b.get("pull"))
            pin = Pin(b["pin"], Pin.IN, pull) if pull is not None else Pin(b["pin"], Pin.IN)
            self._buttons.append((name, pin, b.get("active", 0)))
        self._np = None
        leds = board.get("leds")
        if leds:
            import neopixel

            self._np = neopixel.NeoPixel(Pin(leds["pin"], Pin.OUT), leds["count"])
        self._buzzer = None
        buzzer = board.get("buzzer")
        if buzzer:
            if buzzer.get("enable") is not None:
                Pin(buzzer["enable"], Pin.OUT, value=1)
            self._buzzer = PWM(Pin(buzzer["pin"]))
            self._buzzer.duty_u16(0)

    # -- time ---------------------------------------------------------------------------
    def time_us(self):
        t = time.ticks_us()
        self._now += time.ticks_diff(t, self._last)
        self._last = t
        return self._now

    def sleep_us(self, us):
        end = self.time_us() + int(us)
        while True:
            now = self._run_due(self.time_us())
            if now >= end:
                return
            nxt = end
            for t in self._timers:
                if t[0] < nxt:
                    nxt = t[0]
            if self._tone_end is not None and self._tone_end < nxt:
                nxt = self._tone_end
            if nxt > now:
                time.sleep_us(nxt - now)

    def _run_due(self, now):
        for t in self._timers:
            if t[0] <= now:
                t[0] += t[1]
                if t[0] <= now:
                    t[0] = now + t[1]  # fell behind: skip, do not run a burst
                t[2](now)
        if self._tone_end is not None and now >= self._tone_end:
            self._tone_end = None
            self._buzzer.duty_u16(0)
        return now

    def every(self, period_us, callback):
        period_us = int(period_us)
        self._timers.append([self.time_us() + period_us, period_us, callback])

    # -- configuration ------------------------------------------------------------------
    def port_info(self, port):
        info = self._info.get(port)
        return dict(info) if info is not None else None

    def robot_config(self):
        return self.robot

    # -- motors ---------------------------------------------------------------------------
    def motor_state(self, port):
        return self._motors[port].state_at(self.time_us())

    def motor_voltage(self, port, mv):
        self._motors[port].voltage(mv)

    def motor_coast(self, port):
        self._motors[port].coast()

    def motor_brake(self, port):
        self._motors[port].brake()

    def motor_reset_angle(self, port, angle_deg):
        m = self._motors[port]
        m.offset = angle_deg - m.count * m.deg
        m.samples = []

    def motor_load(self, port):
        return 0.0

    # -- sensors --------------------------------------------------------------------------
    def color_rgb(self, port):
        adc, white, black = self._adc[port]
        r = (black - adc.read_u16()) * 100.0 / (black - white)
        if r < 0.0:
            r = 0.0
        elif r > 100.0:
            r = 100.0
        return r, r, r

    def color_ambient(self, port):
        return 0.0

    def ultrasonic_distance(self, port):
        trig, echo = self._sonar[port]
        trig.value(0)
        time.sleep_us(2)
        trig.value(1)
        time.sleep_us(10)
        trig.value(0)
        us = machine.time_pulse_us(echo, 1, int(_FAR_MM * _US_PER_MM))
        if us < 0:
            return _FAR_MM
        mm = us / _US_PER_MM
        return mm if mm < _FAR_MM else _FAR_MM

    def ultrasonic_presence(self, port):
        return False

    def force_state(self, port):
        raise _error(self.board["title"] + " has no force sensor")

    # -- hub ------------------------------------------------------------------------------
    def _no_imu(self):
        return _error(self.board["title"] + " has no IMU robokit can read: use a program "
                      "without hub.imu")

    def imu_heading(self):
        raise self._no_imu()

    def imu_gyro(self):
        raise self._no_imu()

    def imu_accel(self):
        raise self._no_imu()

    def imu_mount(self, frame):
        pass  # (no IMU: its reads say so)

    def buttons(self):
        return tuple(name for name, pin, active in self._buttons if pin.value() == active)

    def light(self, rgb):
        np = self._np
        if np is None:
            return
        if rgb is None:
            c = (0, 0, 0)
        else:
            c = tuple(int(max(0.0, min(100.0, v)) * 2.55) for v in rgb)
        for i in range(len(np)):
            np[i] = c
        np.write()

    def display(self, rows):
        pass  # kits have no 5x5 display

    def tone(self, frequency, duration_ms, volume):
        bz = self._buzzer
        if bz is None:
            return
        if frequency <= 0:
            bz.duty_u16(0)
            self._tone_end = None
            return
        bz.freq(int(frequency))
        bz.duty_u16(int(32768 * max(0, min(100, volume)) / 100))
        self._tone_end = self.time_us() + int(duration_ms) * 1000 if duration_ms >= 0 else None

    def battery(self):
        return self._bat, 0.0

    def event(self, kind, data):
        pass

    def where(self):
        return None

    def stop(self):
        """Coast every motor and silence the buzzer (for the loader, when a program
        ends: the pins keep their last duty otherwise)."""
        for letter in self._motors:
            self._motors[letter].coast()
        if self._buzzer is not None:
            self._buzzer.duty_u16(0)
        self._timers = []


def buttons_held():
    """Names of the board's buttons held down now, from the board file alone (no motor or
    sensor is touched): for a loader's safe mode at boot."""
    import robokit_board_config

    held = []
    buttons = robokit_board_config.BOARD.get("buttons") or {}
    for name in buttons:
        b = buttons[name]
        pull = {"up": Pin.PULL_UP, "down": Pin.PULL_DOWN}.get(b.get("pull"))
        pin = Pin(b["pin"], Pin.IN, pull) if pull is not None else Pin(b["pin"], Pin.IN)
        if pin.value() == b.get("active", 0):
            held.append(name)
    return tuple(held)


def hal(robot=None):
    """The kit HAL for ``robot`` (the program's robot.toml as a dict), from the board file
    installed as robokit_board_config; raises one clear error, before the program runs,
    when robot.toml asks for more than the board has."""
    import robokit_board_config

    board = robokit_board_config.BOARD
    robot = robot or {}
    found = problems(board, robot)
    if found:
        raise _error("\n".join(found))
    return KitHal(board, robot)
