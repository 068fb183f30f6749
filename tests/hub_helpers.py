"""Helpers shared by the Pybricks hub tests (BLE and USB): not a test module."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from robokit.compiler.compile import compile_program
from robokit.compiler.pybricks import export_pybricks

T = TypeVar("T")

#: A hub program that prints, then fails with a traceback the host maps to its file.
PYB = '''\
from robokit import wait


def f():
    raise RuntimeError("hub says no")


print("hub says hi")
wait(10)
f()
'''


def run(coro: Awaitable[T], timeout: float = 15.0) -> T:
    """Run ``coro`` on a fresh event loop, failing after ``timeout`` seconds."""
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def blob_of(tmp_path: Path, source: str, name: str = "main.py") -> bytes:
    """The Pybricks multi-file blob of a one-file program with ``source``."""
    folder = tmp_path / name.removesuffix(".py")
    folder.mkdir()
    (folder / name).write_text(source)
    return export_pybricks(compile_program(folder / name, target="pybricks"))
