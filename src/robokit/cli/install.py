"""robokit install: put robokit's loader (and a kit's support) on a MicroPython board."""

from __future__ import annotations

import sys

import click

from ._errors import Command, about
from ._output import upload_progress, where


@click.command("install", cls=Command,
               interrupted="interrupted; the previous installation (if any) is still the "
                           "active one")
@click.option("--port", default=None, metavar="PORT",
              help="The MicroPython board's serial port (`robokit devices` lists them).")
@click.option("--ble", default=None, metavar="NAME",
              help="A MicroPython board over Bluetooth LE (Nordic UART), by name or address.")
@click.option("--board", "kit", default=None, metavar="NAME|FILE",
              help="The robot kit (`robokit board list`, or your board file): its support "
                   "(the kit HAL and pins) is installed too. Default: what is installed.")
@click.option("--autostart/--no-autostart", default=None,
              help="Run the stored program at power-up. Default: as installed (off at first).")
@click.option("--check", "check_only", is_flag=True,
              help="Only tell what is on the board and whether it is current (exit 0 if "
                   "it is, 1 if not); write nothing.")
def install_cmd(port: str | None, ble: str | None, kit: str | None, autostart: bool | None,
                check_only: bool) -> None:
    """Put robokit's loader on a MicroPython board, so its stored program runs without a
    computer: at power-up (--autostart) or with the kit's button (one press starts it,
    the next stops it). Holding the button at power-up, or three crashes in a row, boots
    into safe mode (the program is skipped). Boards with Bluetooth get the Nordic UART
    bridge. Every file is written beside the old ones and checked; one rename makes them
    current, so a cut cable or power leaves the old installation working."""
    from ..targets import open_link
    from ..targets.micropython import MicroPythonBoard
    from ..targets.micropython.install import check_install
    from ..targets.reinstall import reinstall

    at = where(port, ble, None, required=True)
    assert at is not None
    if kit is not None:
        from ..kits import load_board

        with about("--board"):
            load_board(kit)
    board = MicroPythonBoard(open_link(at), at)
    try:
        board.enter()
        status = check_install(board, board=kit, autostart=autostart)
        if check_only:
            click.echo(f"{at}: {status.summary()}")
            sys.exit(0 if status.current else 1)
        report = reinstall(board, board=kit, autostart=autostart, status=status,
                           progress=upload_progress("install", "writing"))
    finally:
        board.close()
    before = f" (was {report.previous})" if report.previous else ""
    click.echo(f"installed robokit {report.version}{before} on {at}: board "
               f"{report.board or 'none'}, autostart {'on' if report.autostart else 'off'}, "
               f"{len(report.files)} files, {report.bytes:,} bytes in {report.seconds:.1f} s")
    if report.user_main_kept:
        click.echo(f"the board's own main.py was kept as {report.user_main_kept}")
    if report.board is None:
        click.echo("no kit board support installed: programs cannot use motors or sensors "
                   "(give --board NAME; `robokit board list`)")
