"""Put a firmware file on a board, picking the flasher from the file.

Two steps, so that a caller can say what the file is before anything is written:

- :func:`plan_flash` checks the file and the way asked for (without touching a board):
  a Pybricks ``.zip`` goes to a LEGO hub in bootloader mode over Bluetooth or USB DFU
  (without either, the hub type in the zip decides), a ``.uf2`` to an RP2040/RP2350
  board's boot drive, a ``.bin`` through esptool to an ESP32 on a serial port. The
  image is read and validated here; a broken file raises ``FirmwareError``.
- :func:`flash` writes it, verifies it and returns a :class:`FlashResult`. For a UF2
  with a ``port``, the board running MicroPython there is first restarted into its
  bootloader; after the copy, the board's new serial port is found by comparing the
  ports before and after.

Nothing here prints: progress comes as ``progress(done, total)`` and the steps a person
may want to hear about as ``on_step(step, value)`` (see :func:`flash`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import FirmwareError

#: The ways a firmware file is flashed, by file suffix, and the options that apply to each.
WAYS: dict[str, tuple[str, ...]] = {
    ".zip": ("ble", "usb"),  # Pybricks for a LEGO hub
    ".uf2": ("port", "drive"),  # MicroPython for an RP2040/RP2350 board
    ".bin": ("port",),  # MicroPython for an ESP32 board
}

#: ``on_step`` steps: the board on ``port`` restarted into its bootloader (value: the
#: port); the UF2 was copied and the board restarts (value: the path written).
BOOTLOADER, COPIED = "bootloader", "copied"

Progress = Callable[[int, int], None]
OnStep = Callable[[str, Any], None]


@dataclass
class FlashPlan:
    """What :func:`flash` will do: the file, its validated image and how it goes on."""

    path: Path
    kind: str  # "pybricks" (a LEGO hub), "uf2" or "esp"
    image: Any  # PybricksFirmware, Uf2Image or EspImage
    port: str | None = None
    ble: str | None = None  # "": the first hub found
    usb: bool = False
    drive: Path | None = None


@dataclass
class FlashResult:
    """What :func:`flash` did. ``result`` is the flasher's own answer: a Pybricks
    ``FlashResult``, the UF2 file's path on the boot drive, or an ``EspFlashResult``.
    ``serial_port``: for a UF2, the MicroPython serial port that came up afterwards (None
    when not waited for)."""

    kind: str
    result: Any
    serial_port: Any = None


def flash_kind(path: str | Path) -> str:
    """The way ``path`` is flashed, from its name: ``pybricks``, ``uf2`` or ``esp``.
    Raises ``FirmwareError`` for a file that is none of them or is not there."""
    path = Path(path)
    if not path.is_file():
        raise FirmwareError(f"{path}: no such file; check the path")
    suffix = path.suffix.lower()
    if suffix not in WAYS:
        raise FirmwareError(f"{path}: robokit flashes Pybricks .zip files (LEGO hubs), .uf2 "
                            "files (RP2040/RP2350 boards) and .bin files (ESP32 boards); "
                            "this is none of them")
    return {".zip": "pybricks", ".uf2": "uf2", ".bin": "esp"}[suffix]


def plan_flash(path: str | Path, *, port: str | None = None, ble: str | None = None,
               usb: bool = False, drive: str | Path | None = None) -> FlashPlan:
    """Check ``path`` and the options and read the image (see the module docstring);
    nothing is written. Options that do not fit the file raise ``FirmwareError`` (naming
    them as the command line's options: ``--port`` ...)."""
    path = Path(path)
    kind = flash_kind(path)
    given = [o for o, v in (("--port", port is not None), ("--ble", ble is not None),
                            ("--usb", usb), ("--drive", drive is not None)) if v]
    fits = WAYS[path.suffix.lower()]
    wrong = [o for o in given if o[2:] not in fits]
    if wrong:
        raise FirmwareError(f"{' and '.join(wrong)} does not apply to a "
                            f"{path.suffix.lower()} file (it takes "
                            + " or ".join(f"--{o}" for o in fits) + ")")
    image: Any
    if kind == "pybricks":
        from .pybricks_zip import read_firmware_zip

        image = read_firmware_zip(path)
    elif kind == "uf2":
        from .uf2 import read_uf2

        image = read_uf2(path)
    else:
        from .esp import read_esp_image

        image = read_esp_image(path)
    return FlashPlan(path, kind, image, port=port, ble=ble, usb=usb,
                     drive=Path(drive) if drive is not None else None)


def lego_over_usb(plan: FlashPlan) -> bool:
    """Whether a Pybricks zip goes over USB DFU: asked for, or (neither asked) because
    its hub has no Bluetooth bootloader (SPIKE Prime, Robot Inventor, Essential)."""
    if plan.usb or plan.ble is not None:
        return plan.usb
    from .pybricks_flash import BLE_HUBS

    return plan.image.hub.device_id not in BLE_HUBS


def flash(plan: FlashPlan, *, wait: float = 20.0, baud: int = 460800,
          progress: Progress | None = None, on_step: OnStep | None = None,
          enter_bootloader: Callable[[str], None] | None = None) -> FlashResult:
    """Write the firmware ``plan`` describes (from :func:`plan_flash`) and verify it.

    ``wait``: seconds to wait for a board to show up (LEGO: the hub in bootloader mode,
    10 s if 0; UF2: its boot drive after a restart, 20 s if 0, then its MicroPython
    serial port, not waited for if 0). ``baud``: the ESP32 line rate for writing.
    ``progress(done, total)``: bytes written. ``on_step(step, value)``: ``BOOTLOADER``
    and ``COPIED`` (see their comment). ``enter_bootloader(port)`` restarts the
    MicroPython board on ``port`` into its UF2 bootloader (for a UF2 with a port; the
    MicroPython target's ``robokit.targets.micropython.enter_bootloader`` does it).
    Raises ``FirmwareError`` (or the link's error) with one clear line."""
    if plan.kind == "pybricks":
        return FlashResult(plan.kind, _flash_lego(plan, wait, progress))
    if plan.kind == "uf2":
        return _flash_uf2(plan, wait, progress, on_step, enter_bootloader)
    if plan.port is None:
        raise FirmwareError("an ESP32 board is flashed over its serial port: give --port "
                            "PORT (`robokit devices` lists them)")
    from .esp import flash_esp

    return FlashResult(plan.kind, flash_esp(plan.path, plan.port, baud=baud,
                                            progress=progress))


def _flash_lego(plan: FlashPlan, wait: float, progress: Progress | None) -> Any:
    import asyncio

    from .pybricks_flash import flash_ble, flash_usb

    if lego_over_usb(plan):
        return flash_usb(plan.path, progress=progress)
    return asyncio.run(flash_ble(plan.path, name=plan.ble or None, timeout=wait or 10.0,
                                 progress=progress))


def _flash_uf2(plan: FlashPlan, wait: float, progress: Progress | None,
               on_step: OnStep | None, enter_bootloader: Callable[[str], None] | None
               ) -> FlashResult:
    from ..link import ports
    from . import uf2

    target_drive: Any
    if plan.port is not None:
        if enter_bootloader is None:
            raise FirmwareError(f"{plan.port}: restarting a board into its bootloader needs "
                                "enter_bootloader (robokit.targets.micropython has it)")
        enter_bootloader(plan.port)
        if on_step is not None:
            on_step(BOOTLOADER, plan.port)
        target_drive = uf2.wait_for_boot_drive(
            timeout=wait or 20.0, roots=[plan.drive] if plan.drive is not None else None)
    elif plan.drive is None:
        drives = uf2.find_boot_drives()
        if not drives:
            raise FirmwareError("no board in bootloader mode found: hold BOOTSEL while "
                                "plugging the board in (it mounts a drive named RPI-RP2 or "
                                "RP2350), give its drive with --drive, or give --port of a "
                                "board running MicroPython")
        if len(drives) > 1:
            raise FirmwareError("several boards in bootloader mode ("
                                + ", ".join(str(d.path) for d in drives)
                                + "): choose one with --drive")
        target_drive = drives[0]
    else:
        target_drive = plan.drive
    before = [p.device for p in ports.serial_ports()]
    written = uf2.flash_uf2(plan.image, target_drive, progress)
    if on_step is not None:
        on_step(COPIED, written)
    up = uf2.wait_for_serial(timeout=wait, before=before) if wait > 0 else None
    return FlashResult(plan.kind, written, up)
