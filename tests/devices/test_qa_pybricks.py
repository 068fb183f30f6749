"""Pybricks programs as a hobbyist writes them, against what Pybricks' firmware and its
stub package (the specification) give: found by exploratory QA, one test per finding."""

from __future__ import annotations

from pathlib import Path

from robokit.sim import simulate


def _run(tmp_path: Path, source: str):
    program = tmp_path / "main.py"
    program.write_text(source)
    return simulate(program, duration=5)


def test_move_hub_imu_is_the_stub_s_simple_accelerometer(tmp_path: Path) -> None:
    # Pybricks' MoveHub has an accelerometer, no gyro: hub.imu is a
    # SimpleAccelerometer with acceleration() (a tuple of whole mm/s², in the
    # accelerometer's steps of 158), up() and tilt(), and nothing else.  A program
    # that reads a heading must fail in the simulator as it fails on the hub.
    r = _run(tmp_path,
             "from pybricks.hubs import MoveHub\n"
             "hub = MoveHub()\n"
             "a = hub.imu.acceleration()\n"
             "print(type(a).__name__, a, [type(v).__name__ for v in a])\n"
             "print(hub.imu.up(), hub.imu.tilt())\n"
             "print([n for n in ('heading', 'reset_heading', 'angular_velocity',"
             " 'rotation', 'orientation', 'settings', 'stationary', 'ready')"
             " if hasattr(hub.imu, n)])\n"
             "hub.imu.heading()\n")
    assert r.output.splitlines() == [
        "tuple (0, 0, 9796) ['int', 'int', 'int']",
        "Side.TOP (0, 0)",
        "[]",
    ]
    assert r.status == "error"
    assert "AttributeError" in r.traceback and "heading" in r.traceback


def test_single_button_hubs_keep_the_older_hub_button_name(tmp_path: Path) -> None:
    # Pybricks 3.0-3.2 programs read the one button of these hubs as hub.button;
    # the firmware keeps that name beside hub.buttons.
    for hub in ("TechnicHub", "CityHub", "MoveHub", "EssentialHub"):
        r = _run(tmp_path,
                 f"from pybricks.hubs import {hub}\n"
                 f"hub = {hub}()\n"
                 "print(hub.button is hub.buttons, hub.button.pressed())\n")
        assert r.status == "finished", (hub, r.traceback)
        assert r.output == "True set()\n", hub
