"""Helpers shared by the Pybricks hub tests (BLE and USB): not a test module."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from robokit.compiler.compile import compile_program
from robokit.compiler.pybricks import export_pybricks

T = TypeVar("T")

#: Hub programs: one that fails (ZeroDivisionError at line 5), one that never ends.
RAISES = """\
from robokit import wait
print("about to fail")
def f(x):
    return 10 // x
f(0)
"""
ENDLESS = """\
from robokit import wait
n = 0
while True:
    print("tick", n)
    n += 1
    wait(50)
"""

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


def pybricks_zip(path: Path, device_id: int) -> Path:
    """A small Pybricks firmware.zip (metadata 2.1.0) for hub kind ``device_id`` at
    ``path``."""
    import json
    import zipfile

    meta = {"metadata-version": "2.1.0", "firmware-version": "v3.5.0", "device-id": device_id,
            "checksum-type": "sum", "checksum-size": 8192, "hub-name-offset": 512,
            "hub-name-size": 16}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("firmware-base.bin", bytes(2000))
        z.writestr("firmware.metadata.json", json.dumps(meta))
    return path


def blob_of(tmp_path: Path, source: str, name: str = "main.py") -> bytes:
    """The Pybricks multi-file blob of a one-file program with ``source``."""
    folder = tmp_path / name.removesuffix(".py")
    folder.mkdir()
    (folder / name).write_text(source)
    return export_pybricks(compile_program(folder / name, target="pybricks"))
