"""robokit flash: put a firmware file on a board (the way is picked in
``robokit.firmware.flash``; this prints what the file is and what happened)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._errors import Command
from ._output import PATH, path_option, upload_progress


@click.command(cls=Command)
@click.argument("firmware", type=PATH)
@click.option("--port", default=None, metavar="PORT",
              help="ESP32 (.bin): the board's serial port. RP2040 (.uf2): a board running "
                   "MicroPython on PORT is put into its bootloader first.")
@click.option("--ble", "ble_name", default=None, is_flag=False, flag_value="", metavar="[NAME]",
              help="LEGO hub (.zip) over Bluetooth: the hub in bootloader mode (name or "
                   "address; none: the first found).")
@click.option("--usb", "use_usb", is_flag=True,
              help="LEGO hub (.zip) over USB DFU (SPIKE Prime, Robot Inventor, Essential).")
@path_option("--drive", help="The board's boot drive (UF2), if robokit does not find it itself.")
@click.option("--check", "check_only", is_flag=True,
              help="Only check the file (and say what it is for); write nothing.")
@click.option("--wait", type=click.FloatRange(min=0), default=20.0, show_default=True,
              help="Seconds to wait for a board to show up (UF2: its boot drive after "
                   "--port, then its MicroPython serial port; LEGO: the hub in bootloader "
                   "mode). 0: UF2 does not wait for the serial port.")
@click.option("--baud", type=click.IntRange(min=9600), default=460800, show_default=True,
              help="ESP32: the line rate for writing.")
def flash(firmware: Path, port: str | None, ble_name: str | None, use_usb: bool,
          drive: Path | None, check_only: bool, wait: float, baud: int) -> None:
    """Put FIRMWARE on a board, picking the way from the file and the options:

    \b
      .zip  Pybricks firmware for a LEGO hub: --ble [NAME] (Move, City, Technic hubs)
            or --usb (SPIKE Prime, Robot Inventor, SPIKE Essential); the hub must be in
            bootloader mode. Without either, the hub type in the zip decides.
      .uf2  MicroPython for an RP2040/RP2350 board: copied to its boot drive (hold
            BOOTSEL while plugging it in, or give --port to a board running MicroPython).
      .bin  MicroPython for an ESP32 board: written through esptool on --port.

    The file is checked before anything is written (--check: only that); the board is
    verified at the end.
    """
    from ..firmware.flash import BOOTLOADER, COPIED, plan_flash
    from ..firmware.flash import flash as flash_firmware
    from ..targets.micropython import enter_bootloader

    plan = plan_flash(firmware, port=port, ble=ble_name, usb=use_usb, drive=drive)
    click.echo(f"{firmware}: {_what(plan)}")
    if check_only:
        return

    def on_step(step: str, value: Any) -> None:
        if step == BOOTLOADER:
            click.echo(f"{value}: MicroPython restarted into its bootloader; waiting for its "
                       "drive")
        elif step == COPIED:
            click.echo(f"copied to {value}; the board restarts")

    def restart(at: str) -> None:
        """The board on --port into its bootloader; first, a UF2 for another chip than
        the board names is refused, and the board keeps running MicroPython."""
        from ..firmware.uf2 import read_uf2

        def fits(chip: str) -> None:
            read_uf2(plan.image.data, expect_family=chip, name=str(firmware))

        enter_bootloader(at, check=fits)

    verb = "copying" if plan.kind == "uf2" else "writing"
    done = flash_firmware(plan, wait=wait, baud=baud, progress=upload_progress("flash", verb),
                          on_step=on_step, enter_bootloader=restart)
    result = done.result
    if plan.kind == "pybricks":
        click.echo(f"flashed Pybricks {result.firmware_version} onto the {result.hub_type} "
                   f"({result.device}, {result.size:,} bytes)")
        click.echo(f"verified: {result.verified}")
    elif plan.kind == "uf2":
        if done.serial_port is not None:
            click.echo(f"MicroPython is up on {done.serial_port.device}")
    else:
        click.echo(f"flashed {result.size:,} bytes onto the {result.chip} at {port}, "
                   f"at 0x{result.offset:x}")
        if result.verified:
            click.echo(f"verified: the chip's MD5 of what was written matches the file "
                       f"({result.md5})")


def _what(plan: Any) -> str:
    """What the firmware file is, in a few words."""
    if plan.kind == "pybricks":
        fw = plan.image
        return (f"Pybricks {fw.firmware_version} for the {fw.hub.name} "
                f"(metadata {fw.metadata_version}, {len(fw.image):,} bytes)")
    return str(plan.image.description)
