"""What several commands share: the brick options, progress lines, small formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._errors import brick_options_given, fail

#: The type of an argument or option that names a file or folder: a Path.
PATH = click.Path(path_type=Path)


def path_option(*decls: str, help: str) -> Any:
    """An option that names a file or folder (a Path; None when not given)."""
    return click.option(*decls, type=PATH, default=None, help=help)


def brick_options(fn: Any) -> Any:
    """--port / --ble / --pybricks: which brick a command talks to."""
    fn = click.option("--pybricks", default=None, metavar="NAME|usb",
                      help="A LEGO hub with Pybricks firmware, by its Bluetooth name ('' for "
                           "the first found) or 'usb'.")(fn)
    fn = click.option("--ble", default=None, metavar="NAME",
                      help="A MicroPython board over Bluetooth LE (Nordic UART), by name or "
                           "address.")(fn)
    fn = click.option("--port", default=None, metavar="PORT",
                      help="A MicroPython board on a serial port (/dev/ttyACM0, COM3, "
                           "socket://HOST:PORT); `robokit devices` lists them.")(fn)
    return fn


def where(port: str | None, ble: str | None, pybricks: str | None,
          required: bool = False) -> str | None:
    """The brick the options name, as ``robokit.targets.connect`` takes it; None for
    none (refused when ``required``), refused when more than one."""
    given = brick_options_given(port, ble, pybricks)
    if len(given) > 1:
        fail("choose one brick: --port, --ble or --pybricks")
    if not given:
        if required:
            fail("which brick? give --port PORT, --ble NAME or --pybricks NAME "
                 "(`robokit devices` lists what it finds)")
        return None
    return given[0]


def where_kind(where: str) -> str:
    return "ble" if where.startswith("ble:") else \
        "pybricks" if where.startswith("pybricks:") else "port"


def upload_progress(command: str, verb: str = "uploading") -> Any:
    """A progress callback drawing one line on a terminal's stderr (nothing otherwise)."""
    if not sys.stderr.isatty():
        return None

    def draw(sent: int, total: int) -> None:
        pct = 100 * sent // total if total else 100
        bar = "█" * (pct // 4)
        click.echo(f"\r{command}: {verb} {bar:25s} {pct:3d}% {sent:,}/{total:,} bytes",
                   nl=False, err=True)
        if sent >= total:
            click.echo("\r" + " " * 78 + "\r", nl=False, err=True)

    return draw


def compile_progress(command: str) -> Any:
    """A progress callback drawing one line on a terminal's stderr (nothing otherwise)."""
    if not sys.stderr.isatty():
        return None

    def draw(p: Any) -> None:
        if not p.cached:
            line = f"{command}: {p.done}/{p.total} {p.path}"
            click.echo("\r" + line[:78].ljust(78), nl=False, err=True)
        if p.done == p.total:
            click.echo("\r" + " " * 78 + "\r", nl=False, err=True)

    return draw


def fmt_number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, never "-0" (a tiny negative rounds to 0)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def fmt_pose(p: tuple[float, float, float], heading: float | None = None) -> str:
    """A pose as people read it: ``heading`` when given (e.g. the program's heading,
    clockwise-positive), else the pose's own."""
    h = p[2] if heading is None else heading
    return (f"x={fmt_number(p[0], 0)} mm, y={fmt_number(p[1], 0)} mm, "
            f"heading={fmt_number(h, 1)}°")


def describe_bundle(bundle: Any) -> str:
    own = sum(1 for m in bundle.modules if not m.path.startswith("<robokit>"))
    theirs = len(bundle.modules) - own
    parts = f"{len(bundle.modules)} modules ({own} of the program"
    parts += f", {theirs} of robokit)" if theirs else ")"
    return parts
