"""Port checks shared by every device class.  Portable (MicroPython too).

``open_port(port, "ColorSensor")`` turns ``Port.C`` (or ``"C"``) into the
letter ``"C"`` after checking with the HAL that a device of that kind is
plugged in there, so a program fails at the constructor with a message that
says what robot.toml has on the port instead of later with nonsense readings.
"""

from . import _hal
from ._errors import UsageError, missing_device
from .parameters import Port

# Which port_info "type" values each device class accepts.
ACCEPTS = {
    "Motor": ("Motor",),
    "DCMotor": ("Motor", "DCMotor"),
}


def port_letter(port):
    """The letter ``"A"``-``"F"`` for ``Port.X`` or a string naming a port.

    Raises :class:`UsageError` naming the bad value otherwise."""
    if isinstance(port, str):
        p = port.strip().upper()
        if p.startswith("PORT."):
            p = p[5:]
        for c in Port._all:
            if p == c.value:
                return c.value
    else:
        for c in Port._all:
            if port is c:
                return c.value
    raise UsageError(f"port must be one of Port.A to Port.F, not {repr(port)}")


def port_name(letter):
    """``"Port.A"`` for ``"A"``."""
    return "Port." + letter


def open_port(port, kind_name, accepts=None, enodev=False):
    """Check that ``port`` holds a ``kind_name`` device; returns the port letter.

    Same checks as :func:`open_port_info`, which also returns the port info."""
    return open_port_info(port, kind_name, accepts, enodev)[0]


def open_port_info(port, kind_name, accepts=None, enodev=False):
    """Check that ``port`` holds a ``kind_name`` device; returns ``(letter, info)``.

    ``info`` is the HAL's ``port_info`` dict (type, model, name, ...).
    ``accepts`` overrides which port_info types are fine (default: ``ACCEPTS``
    for the kind, else the kind itself).  Raises :class:`DeviceError` when the
    port is empty or holds something else; with ``enodev`` (the ``pybricks`` namespace)
    Pybricks' ``OSError`` ENODEV, a :class:`NoDeviceError`, with the same message."""
    letter = port_letter(port)
    info = _hal.get().port_info(letter)
    if accepts is None:
        accepts = ACCEPTS.get(kind_name, (kind_name,))
    where = port_name(letter)
    if info is None:
        raise missing_device(
            f"no {kind_name} on {where}: nothing is plugged in there on the robot", enodev
        )
    kind = info.get("type")
    if kind not in accepts:
        name = info.get("name")
        what = f"a {kind}"
        if name:
            what += f" ({name})"
        raise missing_device(f"no {kind_name} on {where}: the robot has {what} there", enodev)
    return letter, info
