"""The heap of MicroPython's VM with ``robokit run --exact``: sized to the run's world
(robokit.virtual.vmheap.heap_mb), not a fixed 96 MB, since each of MicroPython's collections
walks the whole heap (whenever its mark stack overflows, as a list or dict of more than 64
heap objects makes it do)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.sim.world import load_world
from robokit.targets.micropython.exact import run_exact
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path
from robokit.virtual.vmheap import HEAP_MB, heap_mb

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")

MB = 1 << 20


def mat_bytes(name: str) -> int:
    """The mat's footprint means and summed-area tables of a built-in world, as made."""
    w = load_world(name)
    s = w.surface
    fp = s.sampler(4.0)
    return len(bytes(fp._means)) + sum(len(bytes(t)) for t in (s._sr, s._sg, s._sb))


def heap_in_vm(tmp_path: Path, world: str) -> int:
    """The heap (bytes) of the VM that runs a program with --exact in ``world``."""
    prog = tmp_path / "heap.py"
    prog.write_text("import gc\nfrom robokit import *\nhub = Hub()\n"
                    "print(gc.mem_free() + gc.mem_alloc())\n")
    w, seconds = run_settings(prog, world, 1.0)
    board = ExactBoard(w, duration_s=seconds)
    try:
        got = run_exact(prog, board)
    finally:
        board.close()
    assert board.on_host is None and got.status == "finished", got.error
    return int(got.telemetry.output[0][1])


def test_a_world_with_no_tables_gets_the_base_heap() -> None:
    assert heap_mb(None) == HEAP_MB
    assert heap_mb(load_world("empty")) == HEAP_MB


def test_the_heap_holds_the_worlds_tables_four_times_over() -> None:
    """(the mat's tables come through the pipe when robokit's cache is off, and are
    copied while the VM's robot is made: the line follower's oval needed 40 MB)"""
    assert heap_mb(load_world("oval")) * MB >= HEAP_MB * MB + 4 * mat_bytes("oval")
    arena = load_world("arena")  # walls: their clearance field, no mat
    field = 8 * len(arena.clearance_table())
    assert heap_mb(arena) * MB >= HEAP_MB * MB + 4 * field > HEAP_MB * MB


@needs_vm
def test_the_vms_heap_is_sized_to_the_world(tmp_path: Path) -> None:
    """In a world with no mat and no walls the VM's heap is the base 32 MB (it was 96 MB
    for every run); in the oval it holds the mat's tables four times over."""
    empty = heap_in_vm(tmp_path, "empty")
    assert (HEAP_MB - 1) * MB < empty <= HEAP_MB * MB
    oval = heap_in_vm(tmp_path, "oval")
    assert oval > HEAP_MB * MB + 4 * mat_bytes("oval") - MB
