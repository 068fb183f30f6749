"""Pybricks' hub classes in MicroPython's VM (``--exact``): each is robokit's hub with
Pybricks' parts fitted by a mixin (devices/pybricks/hubs.py), and MicroPython looks
attributes up depth-first, not by CPython's MRO: the same program prints the same in
the VM as in the default mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.sim import simulate
from robokit.targets.micropython.exact import run_exact
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path

HUBS = ["PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "MoveHub"]


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
@pytest.mark.parametrize("hub", HUBS)
def test_each_hub_has_its_own_type_and_pybricks_parts_in_the_vm(tmp_path: Path, hub: str):
    prog = tmp_path / "main.py"
    prog.write_text(
        f"from pybricks.hubs import {hub}\n"
        f"hub = {hub}()\n"
        "print(repr(hub), hub._type, type(hub).__name__)\n"
        "print([p for p in ('ble', 'charger', 'display', 'speaker', 'imu', 'system')"
        " if hasattr(hub, p)])\n"
        "print(hub.system.info()['program_start_type'], hub.ble.version() is not None)\n")
    default = simulate(prog)
    assert default.status == "finished", default.traceback
    w, seconds = run_settings(prog, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        run = run_exact(prog, board)
    finally:
        board.close()
    assert run.status == "finished", run.traceback
    assert run.output == default.output
    assert run.output.splitlines()[0] == f"{hub}() {hub} {hub}"
