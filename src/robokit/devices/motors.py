"""Motors: DCMotor (no encoder) and Motor (encoder + servo control).  Portable.

Names, units and behaviour follow Pybricks (``pybricks.pupdevices.Motor``):
angles in degrees, speeds in deg/s, duty in %, torque in mNm, time in ms.
Methods that take time block, or return an awaitable inside ``run_task``.
Hardware only through the HAL; the control loop is ``control.py``.
"""

from . import _hal
from ._check import fmt
from ._errors import UsageError
from ._ports import open_port_info
from .control import (
    BRAKE,
    HOLD,
    NONE,
    POSITION,
    SPEED,
    TIMED,
    Control,
    forever,
    in_range,
    number,
    position,
    round_int,
    scheduler,
    stationary,
    timed,
)
from .parameters import Direction, Stop, _lookup
from .tools import operation

# What the controller assumes about each motor model: its own approximate
# numbers, not the simulator's (a real controller never knows the plant
# exactly).  Derived in docs/control.md from the published torque/speed points
# (Pybricks' motor_data.py, philohome.com) with friction taken as 15 % of the
# stall torque; rated speeds and voltage limits are Pybricks' servo_settings.c.
#
#   name          label, for messages and Motor.model
#   rated_speed   deg/s, the default speed limit ("100 %")
#   max_voltage   mV, the most the motor is ever given
#   mv_per_mnm    mV per mNm of torque at standstill (R / kt)
#   mv_per_dps    mV per deg/s of back-EMF (ke)
#   friction      mNm, Coulomb friction fed forward in the direction of motion
#   inertia       mNm per deg/s², rotor + gearbox (feedforward of acceleration)
#   kp, ki, kd    µNm/deg, µNm/(deg·s), µNm/(deg/s): Pybricks' units.  One rule for
#                 all: a 40 rad/s, 0.8-damped loop on twice the motor's inertia (the
#                 motor plus as much again of load), less the back-EMF's own damping
#                 R/kt·ke; ki = 2 kp per second.
#   profile       deg, position tolerance to call a move done (Pybricks' "profile")
#   deadzone      deg, no integration of smaller errors
#   integral_rate deg/s, fastest growth of the error integral
_FIELDS = ("name", "rated_speed", "max_voltage", "mv_per_mnm", "mv_per_dps", "friction",
           "inertia", "kp", "ki", "kd", "profile", "deadzone", "integral_rate")
_ROWS = (
    ("spike_small", "SPIKE Small Angular Motor", 620, 6000, 98.0, 6.85, 8.0, 0.0024,
     7700, 15400, 240, 3, 0.5, 15),
    ("spike_medium", "SPIKE Medium Angular Motor", 1000, 9000, 45.0, 6.6, 21.0, 0.0053,
     17000, 33900, 530, 3, 0.5, 15),
    ("spike_large", "SPIKE Large Angular Motor", 1000, 9000, 14.7, 6.6, 64.0, 0.021,
     67200, 134400, 2240, 3, 0.5, 15),
    ("technic_large", "Technic Large Motor", 1500, 9000, 33.0, 4.14, 36.0, 0.0079,
     25300, 50600, 890, 4, 0.5, 15),
    ("technic_xl", "Technic XL Motor", 1500, 9000, 35.5, 3.95, 33.0, 0.0073,
     23400, 46700, 820, 4, 0.5, 15),
    ("ev3_large", "EV3 Large Servo Motor", 800, 9000, 18.0, 7.45, 65.0, 0.043,
     137600, 275200, 5090, 3, 0.5, 15),
    ("ev3_medium", "EV3 Medium Servo Motor", 1200, 9000, 43.0, 5.0, 27.0, 0.0091,
     29100, 58200, 1050, 3, 0.5, 15),
    ("nxt", "NXT Interactive Servo Motor", 800, 9000, 14.6, 7.67, 80.0, 0.054,
     172800, 345600, 6390, 3, 0.5, 15),
    # Kit gear motors (robokit.sim.motor.KIT_MODELS has their sources); a kit's board
    # file names them for its motor ports, robot.toml does not.
    ("tt_gear_48", "TT gear motor 1:48", 1000, 6000, 133.0, 4.35, 5.9, 0.00327,
     10464, 20928, 386, 3, 0.5, 15),
    ("n20_hpcb_50", "Micro metal gear motor 50:1 HPCB 6 V", 3000, 6000, 78.4, 1.31, 10.0,
     0.00085, 2731, 5463, 93, 3, 0.5, 15),
)

#: Controller-facing constants per motor model id (see the comment above).
MODELS = {}
for _row in _ROWS:
    MODELS[_row[0]] = {_FIELDS[_i]: _row[_i + 1] for _i in range(len(_FIELDS))}

#: Model assumed when the HAL does not say which motor is plugged in.
DEFAULT_MODEL = "spike_medium"

#: Pybricks' defaults shared by all models.
ACCELERATION = 2000  # deg/s²
SPEED_TOLERANCE = 50  # deg/s
STALL_SPEED = 20  # deg/s
STALL_TIME = 200  # ms


def _direction_sign(positive_direction):
    d = _lookup(Direction, positive_direction)
    if d is None:
        raise UsageError("positive_direction must be Direction.CLOCKWISE or " +
                         f"Direction.COUNTERCLOCKWISE, not {repr(positive_direction)}")
    return 1.0 if d is Direction.CLOCKWISE else -1.0


def stop_value(then):
    """The control.py name (``"hold"``...) of a ``Stop`` value; UsageError otherwise."""
    s = _lookup(Stop, then)
    if s is None:
        raise UsageError("then must be Stop.HOLD, Stop.BRAKE, Stop.COAST, Stop.COAST_SMART " +
                         f"or Stop.NONE, not {repr(then)}")
    return s.value


def gear_ratio(gears):
    """Motor turns per output turn for Pybricks' ``gears`` argument.

    ``[12, 36]`` (motor gear first) is 3.0; a list of trains such as
    ``[[12, 36], [20, 16, 40]]`` multiplies (3 × 2 = 6)."""
    if gears is None:
        return 1.0
    if not isinstance(gears, (list, tuple)) or not gears:
        raise UsageError("gears must be a list of teeth like [12, 36] or a list of such " +
                         f"lists, not {repr(gears)}")
    trains = gears if isinstance(gears[0], (list, tuple)) else (gears,)
    ratio = 1.0
    for train in trains:
        if not isinstance(train, (list, tuple)) or len(train) < 2:
            raise UsageError("each gear train needs at least two gears, like [12, 36]; " +
                             f"got {repr(train)}")
        for teeth in train:
            if (isinstance(teeth, bool) or not isinstance(teeth, (int, float))
                    or not 0 < teeth <= 100000):  # NaN fails this too
                shown = fmt(teeth) if isinstance(teeth, (int, float)) else repr(teeth)
                raise UsageError(f"gear teeth must be positive numbers up to 100000, not {shown}")
        ratio *= float(train[-1]) / float(train[0])
    return ratio


def await_command(owner, wait, name):
    """After ``owner`` (a Motor or DriveBase) started a command: block until it is
    done, or hand back its awaitable inside a task; None when ``wait`` is False.

    A newer command to the same owner ends the wait; cancelling the awaitable
    coasts the owner only while its command is still the current one."""
    if not wait:
        return None
    gen = owner._gen

    def poll():
        return owner._gen != gen or owner.done()

    def cancel():
        if owner._gen == gen:
            owner.stop()

    return operation(poll, cancel, None, name)


#: How many values ``Motor.model.settings()`` has: Pybricks' state observer settings.
MODEL_SETTINGS = 8


def _model_settings(params):
    """The observer settings Pybricks' ``Motor.model.settings()`` reads, in its order and
    units, from robokit's numbers for a motor: stall speed limit (mdeg/s) and stall time
    (control ticks of 0.1 ms) as the controller's; the feedback voltage counted as
    negligible (mV: 2.5 times the voltage of the motor's friction, as Pybricks takes it);
    the feedback voltage stall ratio (%); the feedback gains below and above the
    threshold (mV/deg, the high seven times the low); that threshold (mdeg); and the
    speed below which Coulomb friction fades out (mdeg/s)."""
    gain = 45  # robokit's figure: it has no observer to tune
    return (STALL_SPEED * 1000, STALL_TIME * 10,
            int(params["friction"] * params["mv_per_mnm"] * 5 // 2), 75, gain, gain * 7,
            20000, 500)


class MotorModel:
    """What the controller assumes about the motor on a port (``Motor.model``)."""

    def __init__(self, motor, model_id, params):
        self._motor = motor
        #: The model id, e.g. ``"spike_medium"``.
        self.id = model_id
        #: Readable name, e.g. ``"SPIKE Medium Angular Motor"``.
        self.name = params["name"]
        #: Rated maximum speed of the motor shaft, deg/s.
        self.rated_speed = params["rated_speed"]
        #: Highest voltage the motor is given, mV.
        self.max_voltage = params["max_voltage"]
        self._settings = _model_settings(params)

    def state(self):
        """``(angle, speed, current, stalled)``: deg, deg/s and estimated mA as floats,
        and a bool, as Pybricks' ``Motor.model.state()``.  The simulator measures
        exactly, so the angle and speed are the motor's own."""
        m = self._motor
        return (float(m.angle()), float(m.speed()), float(m._current_ma()),
                bool(m.stalled()))

    def settings(self, values=None):
        """Pybricks' state observer settings: with no argument, a tuple of
        :data:`MODEL_SETTINGS` ints (see :func:`_model_settings`); with ``values`` (a
        tuple or list of that many ints), set them.  Kept and read back; robokit has no
        state observer, so they change nothing in how the motor runs."""
        if values is None:
            return tuple(self._settings)
        # ValueError and TypeError, as Pybricks raises them (on MicroPython too)
        if not isinstance(values, (tuple, list)):
            raise TypeError(f"model.settings() takes a tuple of {MODEL_SETTINGS} ints "
                            "(as model.settings() returns them), not " + repr(values))
        if len(values) != MODEL_SETTINGS:
            raise ValueError(f"model.settings() takes a tuple of {MODEL_SETTINGS} ints (as "
                             "model.settings() returns them), not " + str(len(values))
                             + " values")  # (side-by-side f-strings need mpy ABI 6.3)
        for v in values:
            if not isinstance(v, int):
                raise TypeError("model.settings()'s values must be ints, not " + repr(v))
            if not -2147483648 <= v <= 2147483647:
                raise ValueError("model.settings()'s values must fit in 32 bits, not "
                                 + str(v))
        self._settings = tuple(int(v) for v in values)
        return None

    def __repr__(self):
        return f"<MotorModel {self.id}>"


class DCMotor:
    """A motor without rotation sensor (or used as one): duty cycle only."""

    #: True in the pybricks namespace's subclasses: a missing motor is then Pybricks'
    #: OSError ENODEV (NoDeviceError) rather than a DeviceError.
    _enodev = False

    def __init__(self, port, positive_direction=Direction.CLOCKWISE):
        self._open(port, "DCMotor", positive_direction)

    def _open(self, port, kind, positive_direction):
        sign = _direction_sign(positive_direction)
        letter, info = open_port_info(port, kind, None, self._enodev)
        self._hal = _hal.get()
        self._port = letter
        self._sign = sign
        self._sched = scheduler(self._hal)
        model_id = info.get("model") or DEFAULT_MODEL
        params = MODELS.get(model_id)
        if params is None:
            model_id = DEFAULT_MODEL
            params = MODELS[model_id]
        self._model_id = model_id
        self._params = params
        self._max_mv = float(params["max_voltage"])
        self._mv = 0.0  # last voltage applied (motor side of the sign)
        self._parent = None  # a DriveBase using this motor
        self._closed = False
        self._claim()
        return info

    def _claim(self):
        """Take the port over from any other object driving it."""
        owners = self._sched.owners
        prev = owners.get(self._port)
        if prev is not None and prev is not self:
            prev._displaced()
        owners[self._port] = self

    def _displaced(self):
        """Another object took the port: stop controlling it (the motor keeps its state)."""

    def _check_open(self):
        if self._closed:
            raise UsageError("this motor was closed; make a new Motor(...) to use the port")

    def _release(self):
        """Before a direct command: the drive base (if any) lets go of the motor."""
        self._check_open()
        if self._parent is not None:
            self._parent._child_command()
        if self._sched.owners.get(self._port) is not self:
            self._claim()

    def dc(self, duty):
        """Rotate at ``duty`` % (-100 to 100) of the battery voltage."""
        d = number(duty, "duty", "%")
        if d > 100.0:
            d = 100.0
        elif d < -100.0:
            d = -100.0
        self._release()
        mv = d * 0.01 * self._hal.battery()[0]
        lim = self._max_mv
        if mv > lim:
            mv = lim
        elif mv < -lim:
            mv = -lim
        self._mv = mv
        self._hal.motor_voltage(self._port, self._sign * mv)

    def stop(self):
        """Stop and let the motor spin freely (coast)."""
        self._release()
        self._mv = 0.0
        self._hal.motor_coast(self._port)

    def brake(self):
        """Stop passively: the motor's own back-EMF brakes it."""
        self._release()
        self._mv = 0.0
        self._hal.motor_brake(self._port)

    def settings(self, max_voltage=None):
        """Get (no argument: a 1-tuple) or set the highest voltage (mV) ever applied."""
        if max_voltage is None:
            return (int(self._max_mv),)
        top = self._params["max_voltage"]
        self._max_mv = in_range(max_voltage, "max_voltage", 0, top, "mV")
        return None

    def close(self):
        """Coast the motor and free the port for a new object."""
        if self._closed:
            return
        self.stop()
        if self._sched.owners.get(self._port) is self:
            del self._sched.owners[self._port]
        self._closed = True

    def __repr__(self):
        return f"<{type(self).__name__} on Port.{self._port}>"


class Motor(DCMotor):
    """A motor with rotation sensor: speed and position control (Pybricks' Motor)."""

    def __init__(self, port, positive_direction=Direction.CLOCKWISE, gears=None,
                 reset_angle=True, profile=None):
        ratio = gear_ratio(gears)
        # Every argument checked before the port is taken: a refused Motor(...) must not
        # leave a half-made motor owning the port.
        if profile is not None:
            profile = in_range(profile, "profile", 1, 360, "deg")
        self._open(port, "Motor", positive_direction)
        p = self._params
        self._ratio = ratio
        self._gen = 0  # bumped by every command; an awaitable of an older one is over
        # The last run() while nothing else has happened since (see run()), or None:
        # (speed, speed_max).
        self._repeat = None
        self._r = p["mv_per_mnm"]
        self._ke = p["mv_per_dps"]
        self._fric_mv = p["friction"] * p["mv_per_mnm"]
        self._vlim = self._max_mv
        tol = p["profile"] if profile is None else profile
        rated = float(p["rated_speed"])
        # The controller works in motor degrees; gears only change the user's scale.
        self.control = Control(
            scale=ratio, unit="deg", speed_max=rated, accel=float(ACCELERATION),
            torque_max=self._max_mv / self._r, kp=p["kp"] / 1000.0, ki=p["ki"] / 1000.0,
            kd=p["kd"] / 1000.0, deadzone=p["deadzone"], irate=p["integral_rate"],
            speed_tol=float(SPEED_TOLERANCE), pos_tol=float(tol) * ratio,
            stall_speed=float(STALL_SPEED), stall_us=STALL_TIME * 1000,
            inertia=p["inertia"])
        self.model = MotorModel(self, self._model_id, p)
        if reset_angle:
            # Like SPIKE motors: start from the absolute position, -180..179 deg.
            raw = self._hal.motor_state(self._port)[0]
            absolute = self._absolute(raw)
            if absolute != raw:
                self._reset_raw(raw, absolute)

    # -- plumbing ------------------------------------------------------------------------
    def _absolute(self, raw):
        """The shaft's absolute position, -180..179 deg (motor side), for the reading
        ``raw``: of the shaft's own angle, not of what earlier resets made it read."""
        return (raw - self._sched.resets.get(self._port, 0.0) + 180.0) % 360.0 - 180.0

    def _reset_raw(self, raw, new_raw):
        """Make the reading ``raw`` read ``new_raw`` (motor side), and remember by how
        much the reading moved."""
        self._hal.motor_reset_angle(self._port, new_raw)
        resets = self._sched.resets
        resets[self._port] = resets.get(self._port, 0.0) + (new_raw - raw)

    def _displaced(self):
        self._repeat = None
        if self._parent is not None:
            self._parent._child_command()
        self.control.stop()
        self._sched.remove(self)
        self._gen += 1

    def _release(self):
        self._repeat = None
        DCMotor._release(self)
        c = self.control
        if c.active:
            c.stop()
            self._sched.remove(self)
        self._gen += 1

    def _state(self):
        """``(now, x, v)``: time (µs), position and speed in counts (motor degrees)."""
        hal = self._hal
        now = hal.time_us()
        a, w = hal.motor_state(self._port)
        return now, self._sign * a, self._sign * w

    def _start(self, now, traj, mode, then):
        """Hand ``traj`` to the controller and put this motor on the 5 ms loop."""
        self._vlim = min(self._max_mv, self._hal.battery()[0])
        self.control.start(now, traj, mode, then)
        self._sched.add(self)

    def _tick(self, now):
        """One 5 ms control step (called by the scheduler)."""
        hal = self._hal
        a, w = hal.motor_state(self._port)
        if self._control(now, a, w):
            hal.motor_voltage(self._port, self._sign * self._mv)
        else:
            self._finish()

    def _control(self, now, a, w):
        """The control at ``now``, from the motor's angle and speed as the HAL gives them:
        True with the voltage in ``_mv`` (positive_direction side), or False when the
        command is over and the motor is to be let go.  (The simulator's fast kernel
        calls it with the motor read directly.)"""
        s = self._sign
        c = self.control
        tau = c.torque(now, s * a, s * w)
        if c.paused:
            self._repeat = None  # the reference waits for the motor: run() must restart
        if c.on_target and c.finished(now):
            return False
        mv = self._drive_mv(tau, c.ref_v)
        lim = self._vlim
        if mv > lim:
            mv = lim
            c.sat = 1
        elif mv < -lim:
            mv = -lim
            c.sat = -1
        self._mv = mv
        return True

    def _drive_mv(self, tau, v_ref):
        """Voltage (mV, positive_direction side) for torque ``tau`` at reference speed
        ``v_ref``: the torque through the winding resistance, plus back-EMF and friction
        feedforward.  The motor's tick and a drive base's tick both use it."""
        mv = tau * self._r + self._ke * v_ref
        if v_ref > 0.0:
            mv += self._fric_mv
        elif v_ref < 0.0:
            mv -= self._fric_mv
        return mv

    def _finish(self):
        self._repeat = None
        c = self.control
        if c.then == BRAKE:
            self._hal.motor_brake(self._port)
        else:
            self._hal.motor_coast(self._port)
        self._mv = 0.0
        c.stop()
        self._sched.remove(self)

    def _speed_counts(self, speed):
        sp = number(speed, "speed", "deg/s") * self._ratio
        top = self.control.speed_max
        if sp > top:
            return top
        if sp < -top:
            return -top
        return sp

    def _current_ma(self):
        # i = (V - ke·ω) / R with R = (R/kt)·kt and kt (mNm/A) = ke (mV per deg/s)·180/π.
        kt = self._ke * 57.29578
        ohm_x1000 = self._r * kt  # mV per A
        w = self._sign * self._hal.motor_state(self._port)[1]
        return int((self._mv - self._ke * w) / ohm_x1000 * 1000.0) if self._mv else 0

    # -- measurements ----------------------------------------------------------------------
    def angle(self):
        """Rotation angle in degrees (int), counted in ``positive_direction``, after gears."""
        return round_int(self._sign * self._hal.motor_state(self._port)[0] / self._ratio)

    def speed(self, window=100):
        """Speed in deg/s (int).  ``window`` (ms) is accepted for Pybricks
        compatibility; the brick's own speed estimate is used."""
        return round_int(self._sign * self._hal.motor_state(self._port)[1] / self._ratio)

    def load(self):
        """Estimated load torque on the motor in mNm (int)."""
        return round_int(self._sign * self._hal.motor_load(self._port))

    def stalled(self):
        """True while the motor cannot move although the controller pushes its hardest."""
        return self.control.stalled()

    def done(self):
        """True when the last command is complete (or there is none)."""
        return self.control.done()

    def reset_angle(self, angle=None):
        """Make the current position read ``angle`` degrees (None: the absolute
        position, -180..179).  A hold or move in progress keeps its physical goal; a
        drive base using the motor lets go (both wheels coast), as in Pybricks, which
        would otherwise see the wheel jump and steer to undo it."""
        self._check_open()
        if self._parent is not None:
            self._parent._child_command()
        raw = self._hal.motor_state(self._port)[0]
        if angle is None:
            new_raw = self._absolute(raw)
        else:
            new_raw = self._sign * number(angle, "angle", "deg") * self._ratio
        self._reset_raw(raw, new_raw)
        self.control.shift(self._sign * (new_raw - raw))

    # -- commands ----------------------------------------------------------------------------
    def hold(self):
        """Stop and actively hold the current angle."""
        now, x, _v = self._state()
        self._release()
        self._start(now, stationary(now, x), POSITION, HOLD)

    def run(self, speed):
        """Run at ``speed`` deg/s until another command (accelerates smoothly)."""
        rep = self._repeat
        if (rep is not None
                and (speed is rep[0] or (speed == rep[0] and type(speed) is type(rep[0])))
                and self.control.speed_max is rep[1]):
            # The same run() again with nothing else in between (a loop with no wait):
            # the reference already runs at this speed, so a new one would only be
            # re-anchored where it is.  The same device calls (the same simulated
            # time), and what stopping and starting the controller resets is reset.
            now, _x, _v = self._state()
            c = self.control
            if self._repeat is rep and c.active:
                self._gen += 1
                active = self._sched.active
                if not active or active[-1] is not self:
                    self._sched.remove(self)
                    self._sched.add(self)
                self._vlim = min(self._max_mv, self._hal.battery()[0])
                c.integral = 0.0
                c.load_mnm = 0.0
                c.rearm(now)
                return
            self._run_from(now, _x, _v, self._speed_counts(speed), speed)
            return
        sp = self._speed_counts(speed)
        now, x, v = self._state()
        self._run_from(now, x, v, sp, speed)

    def _run_from(self, now, x, v, sp, speed):
        c = self.control
        x0, v0 = c.start_state(now, x, v)
        self._release()
        self._start(now, forever(now, x0, v0, sp, c.accel, c.decel), SPEED, NONE)
        # Once the reference runs at its speed (no ramp left), the same run() again
        # changes nothing but the clock: remember it.
        if c.traj.d1 == 0.0 and c.active:
            self._repeat = (speed, c.speed_max)

    def run_time(self, speed, time, then=Stop.HOLD, wait=True):
        """Run at ``speed`` deg/s for ``time`` ms (accelerating and decelerating
        within that time), then ``then``."""
        sp = self._speed_counts(speed)
        ms = number(time, "time", "ms")
        stop = stop_value(then)
        now, x, v = self._state()
        c = self.control
        x0, v0 = c.start_state(now, x, v)
        self._release()
        traj = timed(now, x0, v0, sp, max(0.0, ms) * 0.001, c.accel, c.decel, stop == NONE)
        self._start(now, traj, TIMED, stop)
        return await_command(self, wait, "run_time(...)")

    def run_angle(self, speed, rotation_angle, then=Stop.HOLD, wait=True):
        """Turn by ``rotation_angle`` degrees at ``speed`` deg/s (a negative speed
        turns the other way), then ``then``."""
        sp = self._speed_counts(speed)
        d = number(rotation_angle, "rotation_angle", "deg") * self._ratio
        stop = stop_value(then)
        now, x, v = self._state()
        c = self.control
        base = c.relative_base(now, x)
        x0, v0 = c.start_state(now, x, v)
        self._release()
        target = base - d if sp < 0 else base + d
        self._start(now, position(now, x0, v0, target, sp, c.accel, c.decel, stop == NONE),
                    POSITION, stop)
        return await_command(self, wait, "run_angle(...)")

    def run_target(self, speed, target_angle, then=Stop.HOLD, wait=True):
        """Turn to ``target_angle`` degrees at ``|speed|`` deg/s, then ``then``."""
        sp = self._speed_counts(speed)
        target = number(target_angle, "target_angle", "deg") * self._ratio
        stop = stop_value(then)
        now, x, v = self._state()
        c = self.control
        x0, v0 = c.start_state(now, x, v)
        self._release()
        self._start(now, position(now, x0, v0, target, sp, c.accel, c.decel, stop == NONE),
                    POSITION, stop)
        return await_command(self, wait, "run_target(...)")

    def track_target(self, target_angle):
        """Go to ``target_angle`` degrees as fast as possible, without a smooth
        trajectory; call it again and again to follow a moving target."""
        target = number(target_angle, "target_angle", "deg") * self._ratio
        c = self.control
        now = self._hal.time_us()
        if c.active and c.then == HOLD and c.traj.d3 == 0.0 and c.mode == POSITION:
            # Already tracking: just move the goal (cheap, no new objects).
            t = c.traj
            t.x0 = t.x1 = t.x2 = t.x3 = target
            c.x_end = target
            c.on_target = False
            self._gen += 1
            return None
        self._release()
        self._start(now, stationary(now, target), POSITION, HOLD)
        return None

    def run_until_stalled(self, speed, then=Stop.COAST, duty_limit=None):
        """Run at ``speed`` deg/s until the motor stalls, then ``then``; returns the
        angle (deg) where it stalled.  ``duty_limit`` (%) caps the motor meanwhile at
        that duty, as :meth:`dc` means it (a share of the battery voltage): it pushes
        against what stops it with at most about that share of its stall torque (and
        runs slower)."""
        sp = self._speed_counts(speed)
        stop = stop_value(then)
        c = self.control
        old_limit = c.torque_max
        if duty_limit is not None:
            duty = in_range(duty_limit, "duty_limit", 0, 100, "%")
            new_limit = c.torque_top * duty / 100.0
        now, x, v = self._state()
        x0, v0 = c.start_state(now, x, v)
        self._release()
        if duty_limit is not None:
            c.torque_max = new_limit
        self._start(now, forever(now, x0, v0, sp, c.accel, c.decel), SPEED, NONE)
        if duty_limit is not None:
            # The voltage, not only the feedback torque: the speed's feedforward (back-EMF
            # and friction) would push on top of a capped torque.  Like Pybricks' duty
            # limit, a voltage limit; the next command's _start sets the motor's own.
            cap = self._hal.battery()[0] * duty / 100.0
            if cap < self._vlim:
                self._vlim = cap
        gen = self._gen
        out = [None]

        def restore():
            if c.torque_max != old_limit:
                c.torque_max = old_limit

        def poll():
            if self._gen != gen:
                restore()
                return True
            if not c.stalled():
                return False
            out[0] = self.angle()
            restore()
            if stop == HOLD:
                self.hold()
            elif stop == BRAKE:
                self.brake()
            else:
                self.stop()
            return True

        def cancel():
            restore()
            if self._gen == gen:
                self.stop()

        def result():
            return out[0] if out[0] is not None else self.angle()

        return operation(poll, cancel, result, "run_until_stalled(...)")

