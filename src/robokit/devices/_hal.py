"""The hardware abstraction layer (HAL): the only door from the device API to hardware.

One HAL exists per brick family; the simulated brick (``robokit.sim.brick.SimBrick``)
is one of them.  The device API finds the active HAL with :func:`get` and never
imports a HAL module itself.  Portable: this file runs on MicroPython too.

Units everywhere: time in integer microseconds, angles in degrees (float),
speeds in deg/s, voltages in millivolts, distances in mm, forces in newtons.
Angles and voltages at this level are *raw motor side*: positive means the
motor shaft turns clockwise when you look at its face (Pybricks' default
``Direction.CLOCKWISE``).  Gears and ``positive_direction`` are applied by the
device API, not here.

Ports are single upper-case letters ``"A"`` to ``"F"``.
"""

_current = None


def get():
    """Return the active HAL, or raise if no brick is attached."""
    if _current is None:
        from ._errors import NoBrickError

        raise NoBrickError(
            "no brick: run this program with `robokit run PROGRAM` "
            "(or robokit.sim.simulate) so it has a brick to talk to"
        )
    return _current


def attach(hal):
    """Make ``hal`` the active HAL (``None`` detaches); returns the previous one."""
    global _current
    prev = _current
    _current = hal
    return prev


class HAL:
    """The surface every brick family implements.  Documentation and default refusals."""

    # -- time ---------------------------------------------------------------
    def time_us(self):
        """Monotonic time in integer microseconds since the program started."""
        raise NotImplementedError

    def sleep_us(self, us):
        """Let ``us`` microseconds pass; periodic callbacks keep running meanwhile."""
        raise NotImplementedError

    def every(self, period_us, callback):
        """Call ``callback(now_us)`` every ``period_us`` (the 5 ms control loop).

        Callbacks run "in the background" of the program: on the simulated brick
        at exact multiples of the period in simulated time; on a board from a
        timer or from ``sleep_us``.  They must not block.
        """
        raise NotImplementedError

    # -- configuration ------------------------------------------------------
    def port_info(self, port):
        """What is plugged into ``port``: a dict with at least ``"type"``
        (``"Motor"``, ``"DCMotor"``, ``"ColorSensor"``, ``"UltrasonicSensor"``,
        ``"ForceSensor"``) and, for motors, ``"model"`` (see ``motors.MODELS``);
        ``None`` when the port is empty or does not exist."""
        raise NotImplementedError

    def robot_config(self):
        """The robot as built (the parsed robot.toml, see ``robokit.config``), a dict."""
        raise NotImplementedError

    # -- motors (raw shaft side) -------------------------------------------
    def motor_state(self, port):
        """``(angle_deg, speed_dps)`` of the motor shaft right now."""
        raise NotImplementedError

    def motor_voltage(self, port, mv):
        """Drive the motor with ``mv`` millivolts (clamped to the battery)."""
        raise NotImplementedError

    def motor_coast(self, port):
        """Let the motor spin freely (open circuit)."""
        raise NotImplementedError

    def motor_brake(self, port):
        """Short the motor windings (passive brake)."""
        raise NotImplementedError

    def motor_reset_angle(self, port, angle_deg):
        """Make the encoder read ``angle_deg`` from now on."""
        raise NotImplementedError

    def motor_load(self, port):
        """Estimated load torque on the shaft in mNm."""
        raise NotImplementedError

    # -- sensors ------------------------------------------------------------
    def color_rgb(self, port):
        """Reflected light under the sensor as ``(r, g, b)``, each 0-100 %."""
        raise NotImplementedError

    def color_ambient(self, port):
        """Ambient light intensity, 0-100 %."""
        raise NotImplementedError

    def ultrasonic_distance(self, port):
        """Distance to the nearest object ahead in mm; 2000 when nothing is seen."""
        raise NotImplementedError

    def ultrasonic_presence(self, port):
        """True when another ultrasonic sensor is heard."""
        raise NotImplementedError

    def force_state(self, port):
        """``(force_newton, travel_mm)`` of the force sensor's plunger."""
        raise NotImplementedError

    # -- hub ----------------------------------------------------------------
    def imu_heading(self):
        """Integrated rotation about the vertical axis, degrees, counterclockwise
        positive (right-hand rule about +z).  The device API flips the sign."""
        raise NotImplementedError

    def imu_gyro(self):
        """Angular velocity ``(x, y, z)`` in deg/s in the hub frame (x forward,
        y left, z up), right-hand rule."""
        raise NotImplementedError

    def imu_accel(self):
        """Acceleration ``(x, y, z)`` in mm/s² in the hub frame, gravity included
        (a hub lying flat reads about +9810 on z)."""
        raise NotImplementedError

    def imu_mount(self, frame):
        """The program says how the hub is mounted (``Hub(top_side=...,
        front_side=...)``): ``frame`` is the hub's own x (its front side), y and z (its
        top side) axes, each a unit vector in the robot's frame (x forward, y left, z
        up).  A real hub's IMU is where it is (nothing to do);
        a simulated one is mounted so, and reads in that hub frame from then on."""
        return None

    def buttons(self):
        """Names of the hub buttons held down now, e.g. ``("CENTER",)``."""
        raise NotImplementedError

    def light(self, rgb):
        """Set the status light to ``(r, g, b)`` 0-100, or off with ``None``."""
        raise NotImplementedError

    def display(self, rows):
        """Show a 5x5 image: five rows of five brightness values 0-100."""
        raise NotImplementedError

    def tone(self, frequency, duration_ms, volume):
        """Start a tone (does not wait for it to end).  ``duration_ms`` < 0 plays
        until the next call; ``frequency`` 0 (any duration) stops the sound."""
        raise NotImplementedError

    def battery(self):
        """``(voltage_mv, current_ma)``."""
        raise NotImplementedError

    # -- the program's standard input ------------------------------------------
    def stdin_byte(self, last=False):
        """The oldest byte (an int 0-255) waiting on the program's standard input, taken
        from it; with ``last`` the newest, every byte waiting taken.  ``None`` at once
        when none waits: it never blocks.  This default polls ``sys.stdin``, as on a
        board (MicroPython's ``select``); the simulated brick reads the run's input."""
        import sys

        try:
            import select
        except ImportError:  # pragma: no cover - an older MicroPython
            import uselect as select
        stdin = sys.stdin
        poller = getattr(self, "_stdin_poll", None)
        if poller is None:  # one poller for the program's life: no garbage per call
            poller = self._stdin_poll = select.poll()
            poller.register(stdin, select.POLLIN)
        got = None
        while poller.poll(0):
            data = stdin.buffer.read(1) if hasattr(stdin, "buffer") else stdin.read(1)
            if not data:
                break
            got = data[0] if isinstance(data[0], int) else ord(data[0])
            if not last:
                break
        return got

    # -- radio between bricks ---------------------------------------------------
    # Payloads are bytes; the device API encodes them as the brick family does
    # (Pybricks' broadcast encoding, the EV3 mailboxes' value bytes).
    def ble_broadcast(self, channel, payload):
        """Broadcast ``payload`` (bytes, at most 26) on ``channel`` (0-255) over and
        over from now on, replacing what was broadcast before; ``None`` stops."""
        raise NotImplementedError("this brick has no Bluetooth broadcast")

    def ble_observe(self, channel):
        """``(payload, rssi_dbm)``: the last data heard on ``channel`` within the last
        second and the average signal strength; ``None`` when nothing was heard."""
        raise NotImplementedError("this brick has no Bluetooth broadcast")

    def mailbox_listen(self):
        """Become a Bluetooth mailbox server: other bricks may connect from now on."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def mailbox_connect(self, brick):
        """Try once to connect to the mailbox server on the brick named ``brick``:
        True when connected, False when it is not listening (or not in range) yet;
        ``OSError`` when there is no such brick."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def mailbox_peers(self):
        """Names of the bricks connected to this one now (a tuple of str)."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def mailbox_send(self, name, data, brick=None):
        """Send ``data`` (bytes) to mailbox ``name`` on every connected brick (``brick``:
        only the one of that name; ``OSError`` when it is not connected); returns how
        many bricks it goes to."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def mailbox_read(self, name):
        """``(data, count)``: the last bytes delivered to mailbox ``name`` and how many
        deliveries it has had; ``None`` when it has had none."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def mailbox_close(self):
        """Close every mailbox connection and stop listening."""
        raise NotImplementedError("this brick has no Bluetooth mailboxes")

    def event(self, kind, data):
        """Note something the outside world may want to see (for the recorder)."""
        raise NotImplementedError

    def where(self):
        """Best effort ``(file, line)`` of the user's code calling now, or None."""
        return None
