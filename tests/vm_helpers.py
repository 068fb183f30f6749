"""What the tests of the robot inside MicroPython's VM share: the ROM laid out in a
folder, a script run there by the unix port, and the comparison of two runs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from robokit.virtual.mpvm import micropython_path

#: What MicroPython prints differently from CPython in the examples: it formats a float
#: with 16 significant digits where CPython prints the shortest text that reads back.
PRINTED_DIFFERENTLY = {
    "gyro_turns.py": [("target 90 heading 90.1", "target 90 heading 90.09999999999999")],
    "sumo.py": [("force 8.7 N", "force 8.699999999999999 N"),
                ("force 8.38 N", "force 8.380000000000001 N")],
}


def lay_rom(folder: Path) -> None:
    """The board's ROM (robokit's device API and the simulator's portable modules, as the
    VM gets them) as files under ``folder``."""
    from robokit.virtual.rom import rom_files

    for rel, data in rom_files().items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def run_micropython(folder: Path, script: str, timeout: float = 60,
                    options: tuple[str, ...] = ()) -> str:
    """Run ``script`` as ``go.py`` in ``folder`` with MicroPython's unix port (and its
    ``options``, e.g. ``("-X", "heapsize=96M")``); its standard output (the script must
    end well)."""
    (folder / "go.py").write_text(script)
    proc = subprocess.run([str(micropython_path()), *options, "go.py"], cwd=folder,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def assert_same_run(got: Any, default: Any) -> None:
    """The run of the robot in the VM is the default mode's, to the bit: status, clock,
    pose, distance, contacts, telemetry columns and rows, events."""
    assert got.status == default.status, got.traceback
    assert got.sim_time_s == default.sim_time_s
    assert got.pose == default.pose  # to the last bit
    assert got.distance_mm == default.distance_mm
    assert got.contacts == default.contacts
    rec, want = got.telemetry, default.telemetry
    assert rec.columns == want.columns and rec.rows == want.rows
    assert rec.events == want.events
