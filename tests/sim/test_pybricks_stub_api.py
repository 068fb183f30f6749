"""The simulated ``pybricks`` namespace against the ``pybricks`` stub package (4.x), the
specification of every name and signature (issue 11): every public method of every
provided class exists, and takes the stub's parameter names (so keyword calls work);
the hubs' parts (``imu``, ``system``, ...) have every method the stub's have, including
Pybricks 3.6's and 4.0's (``imu.rotation``, ``imu.orientation``, the IMU calibration
settings, ``system.reset_storage``).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from robokit.devices.pybricks._table import PROVIDED
from robokit.sim import simulate
from robokit.sim.mpnames import pybricks_modules

#: Where the simulated namespace knowingly differs from the stub, and why.
KNOWN: dict[str, str] = {}

HUB_PARTS = ("imu", "light", "display", "speaker", "buttons", "system", "battery",
             "charger", "ble")


def _names(f: Any) -> list[str] | None:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        return None  # an overloaded stub: no one signature to hold to
    return [p.name for p in sig.parameters.values()
            if p.name != "self" and p.kind != p.VAR_KEYWORD]


def _public(cls: Any) -> list[tuple[str, Any]]:
    try:
        members = inspect.getmembers(cls)
    except TypeError:  # the stub's enum-like classes
        return []
    return [(n, v) for n, v in members
            if (not n.startswith("_") or n == "__init__") and callable(v)
            and not inspect.isclass(v)]


def test_every_method_of_the_stub_s_classes_is_there_with_its_parameters() -> None:
    pytest.importorskip("pybricks", reason="the pybricks stubs are the spec")
    ours_by_module = pybricks_modules()
    problems = []
    for module, names in PROVIDED.items():
        if module in ("pybricks", "pybricks.geometry", "pybricks.experimental",
                      "pybricks.media"):
            continue  # not modules of the 4.x stubs
        stub = importlib.import_module(module)
        ours = ours_by_module[module]
        for name in names:
            s, o = getattr(stub, name, None), getattr(ours, name)
            if s is None:
                continue
            pairs = [(name, s, o)] if inspect.isfunction(s) else [
                (f"{name}.{m}", sv, getattr(o, m, None)) for m, sv in _public(s)]
            for where, sv, ov in pairs:
                if f"{module}.{where}" in KNOWN:
                    continue
                if ov is None:
                    problems.append(f"{module}.{where}: missing")
                    continue
                want, have = _names(sv), _names(ov)
                if want is not None and have is not None and not set(want) <= set(have):
                    problems.append(f"{module}.{where}: takes {have}, the stub {want}")
    assert problems == []


HUBS = ("PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "CityHub", "MoveHub")


@pytest.mark.parametrize("hub", HUBS)
def test_every_part_of_each_hub_has_the_stub_s_methods(hub: str, tmp_path: Path) -> None:
    stubs = pytest.importorskip("pybricks.hubs", reason="the pybricks stubs are the spec")
    wanted = []
    for part in HUB_PARTS:
        value = getattr(getattr(stubs, hub), part, None)
        if value is not None:
            wanted += [f"{part}.{m}" for m, _ in _public(type(value))]
    program = tmp_path / "main.py"
    program.write_text(
        f"from pybricks.hubs import {hub}\nhub = {hub}()\n"
        f"for path in {wanted!r}:\n"
        "    part, method = path.split('.')\n"
        "    if not callable(getattr(getattr(hub, part), method, None)):\n"
        "        print('missing', path)\n")
    (tmp_path / "robot.toml").write_text(f'[hub]\ntype = "{hub}"\n')
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output == ""
    assert len(wanted) > 10


def test_imu_rotation_orientation_settings_and_reset_storage(tmp_path: Path) -> None:
    program = tmp_path / "main.py"
    program.write_text(
        "from pybricks.hubs import PrimeHub\n"
        "from pybricks.parameters import Axis, Direction, Port\n"
        "from pybricks.pupdevices import Motor\n"
        "from pybricks.robotics import DriveBase\n"
        "hub = PrimeHub()\n"
        "base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)\n"
        "base.turn(90)\nhub.imu.reset_heading(0)\n"
        "print(round(hub.imu.rotation(-Axis.Z)), round(hub.imu.rotation(Axis.Z)),"
        " round(hub.imu.heading()), round(hub.imu.rotation(Axis.X)))\n"
        "o = hub.imu.orientation()\n"
        "print(o.shape, [round(o[0, c], 2) + 0 for c in range(3)])\n"
        "print(len(hub.imu.settings()), hub.imu.settings()[2])\n"
        "hub.imu.settings(heading_correction=357, angular_velocity_threshold=3,"
        " angular_velocity_scale=(359, 359, 359))\n"
        "print(hub.imu.settings()[:3], hub.imu.settings()[4])\n"
        "hub.system.storage(0, write=b'hi')\nhub.system.reset_storage()\n"
        "print(hub.system.storage(0, read=2))\n"
        "try:\n    hub.imu.settings(acceleration_correction=(1, 2))\n"
        "except ValueError as e:\n    print('error', e)\n")
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output.splitlines() == [
        # A right turn of 90: -Z (clockwise) reads 90 and keeps it past reset_heading.
        "90 -90 0 0",
        "(3, 3) [0.0, 1.0, 0.0]",
        "6 360.0",
        "(3.0, 2500.0, 357.0) (359.0, 359.0, 359.0)",
        "b'\\x00\\x00'",
        "error acceleration_correction takes a tuple of 6 numbers, not (1, 2)",
    ]
