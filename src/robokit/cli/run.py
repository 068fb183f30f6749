"""Commands that run programs and talk to bricks: run, upload, start, stop, repl, devices."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, NoReturn

import click

from ..errors import RobokitError
from ._errors import (
    EXIT_INTERRUPTED,
    EXIT_PROGRAM_ERROR,
    Command,
    about,
    fail,
    print_interrupted,
)
from ._output import (
    PATH,
    brick_options,
    check_file_names,
    check_outputs,
    fmt_number,
    fmt_pose,
    object_line,
    path_option,
    read_input,
    run_inputs,
    sim_progress,
    sim_time_line,
    upload_progress,
    where,
    where_kind,
    write_run_files,
)


@contextmanager
def _on_brick(where: str, program: Path | None = None) -> Iterator[Any]:
    """Connect to the brick at ``where`` for the body and close it after, either way. A
    PROGRAM that is not there is said before connecting."""
    from ..targets import connect
    from ..targets.program import check_program_path

    if program is not None:
        check_program_path(program)
        from ..compiler.checks import ev3_refusal

        refused = ev3_refusal(program)
        if refused:
            fail(refused)
    brick = connect(where)
    try:
        yield brick
    finally:
        try:
            brick.close()
        except RobokitError:
            pass


def _run_on_brick(program: Path, where: str, robot: Path | None, as_json: bool,
                  plot: Path | None = None, telemetry: Path | None = None,
                  replay: Path | None = None) -> None:
    """Run PROGRAM on the brick at ``where``. On robokit's simulated board the run comes
    back with its simulated robot's pose, distance, contacts and telemetry (summary,
    --json, and the --plot, --telemetry and --replay files); on any other brick those
    options are refused before anything is sent."""
    files = {"--plot": plot, "--telemetry": telemetry, "--replay": replay}
    wanted = [name for name, path in files.items() if path is not None]
    with _on_brick(where, program) as brick:
        info = brick.info()
        simulated = brick.sim_board()
        if wanted and not simulated:
            fail(f"{', '.join(wanted)}: {where} is not robokit's simulated board, and only "
                 "that one (`robokit sim serve`) hands back what its robot did; leave "
                 f"{'it' if len(wanted) == 1 else 'them'} out, or run on the simulator")
        inputs = run_inputs(program, robot, None, None)
        check_outputs(inputs, telemetry, plot, replay)
        if not as_json:
            click.echo(f"robokit: run: {where}: {info.firmware}, mpy ABI {info.abi}", err=True)
        brick.upload(program, upload_progress("run"), robot)
        result = brick.run_uploaded(None if as_json else click.echo)
        sim = None
        if simulated:
            try:
                sim = brick.simulated_run(result)
            except RobokitError as exc:
                if wanted:
                    raise  # the files asked for cannot be written: said as the error
                click.echo(f"robokit: run: {exc}", err=True)  # the run is still shown
    if sim is not None:
        write_run_files(sim, telemetry, plot, replay, inputs)
    if as_json:
        out = result.to_dict()
        if sim is not None:  # what the simulated robot did, as `robokit run --json` says it
            out.update((k, v) for k, v in sim.to_dict().items() if k not in out)
        click.echo(json.dumps(out, indent=2))
    else:
        _brick_summary(result, sim, f"{result.program} on {where}", telemetry, plot, replay)
    _brick_exit(result)


def _brick_summary(result: Any, sim: Any, title: str, telemetry: Path | None = None,
                   plot: Path | None = None, replay: Path | None = None) -> None:
    """How a run on a brick ended (``run --port``, ``start``); on robokit's simulated
    board (``sim``), also what its robot did, as ``run`` says it in the simulator."""
    if result.traceback:
        click.echo(result.traceback, err=True)
    status = {"finished": click.style("finished", fg="green"),
              "stopped": click.style("stopped", fg="yellow") + " (Ctrl-C)",
              "error": click.style("error", fg="red")}[result.status]
    click.echo("")
    click.echo(f"── {title} ──")
    click.echo(f"status     {status}")
    click.echo(f"time       {result.seconds:.3f} s on the brick")
    if sim is not None:
        click.echo(f"sim time   {sim.sim_time_s:.3f} s on the simulated board, in the "
                   f"world {sim.world.name}")
        _print_motion(sim, telemetry, plot, replay)


def _brick_exit(result: Any) -> None:
    if result.status == "error":
        sys.exit(EXIT_PROGRAM_ERROR)
    if result.status == "stopped":
        sys.exit(EXIT_INTERRUPTED)


@click.command(cls=Command, interrupted="interrupted; the previous program is still on the "
                                        "brick")
@click.argument("program", type=PATH)
@path_option("--robot",
             help="robot.toml to include; default: robot.toml beside the program, else "
                  "the standard rover.")
@brick_options
def upload(program: Path, robot: Path | None, port: str | None, ble: str | None,
           pybricks: str | None) -> None:
    """Store PROGRAM on a brick without starting it (a .py file, a folder with main.py,
    or a .rkb bundle).  All or nothing: if it fails, the previous program is still there."""
    import time

    at = where(port, ble, pybricks, required=True)
    assert at is not None
    with _on_brick(at, program) as brick:
        t0 = time.monotonic()
        bundle = brick.upload(program, upload_progress("upload"), robot)
        seconds = time.monotonic() - t0
    size = sum(len(m.mpy) for m in bundle.modules)
    n = len(bundle.modules)
    click.echo(f"uploaded {bundle.program} to {at}: {n} module{'' if n == 1 else 's'}, "
               f"{size:,} bytes in {seconds:.2f} s (mpy ABI {bundle.abi})")


@click.command(cls=Command)
@brick_options
def stop(port: str | None, ble: str | None, pybricks: str | None) -> None:
    """Stop the program running on a brick and leave the brick ready."""
    at = where(port, ble, pybricks, required=True)
    assert at is not None
    with _on_brick(at) as brick:
        brick.stop()
    click.echo(f"stopped: {at} is ready")


@click.command(cls=Command)
@brick_options
def start(port: str | None, ble: str | None, pybricks: str | None) -> None:
    """Run the program stored on a brick (the last one uploaded with `robokit upload` or
    `robokit run`), as its button or a power-up with autostart would, and print its
    output until it ends (on robokit's simulated board, then its robot's pose and
    distance, as `run` does).  Ctrl-C stops it on the brick."""
    at = where(port, ble, pybricks, required=True)
    assert at is not None
    with _on_brick(at) as brick:
        simulated = brick.sim_board()
        click.echo(f"robokit: start: {at}: the stored program", err=True)
        result = brick.run_uploaded(click.echo)
        sim = brick.simulated_run(result) if simulated else None
    _brick_summary(result, sim, f"the stored program on {at}")
    _brick_exit(result)


@click.command(cls=Command)
@click.option("--port", default=None, metavar="PORT", help="A MicroPython board's serial port.")
@click.option("--ble", default=None, metavar="NAME",
              help="A MicroPython board over Bluetooth LE (Nordic UART).")
def repl(port: str | None, ble: str | None) -> None:
    """An interactive Python prompt on a MicroPython board (Ctrl-] or Ctrl-X to leave).

    With input from a pipe instead of a terminal, the lines are sent one by one and the
    command ends when the board has answered the last."""
    from ..targets.terminal import Terminal

    at = where(port, ble, None, required=True)
    assert at is not None
    term = Terminal.open(at)
    try:
        if sys.stdin.isatty():
            click.echo(f"connected to {at}; Ctrl-] or Ctrl-X leaves", err=True)
            term.interactive(sys.stdin.fileno(), sys.stdout.buffer)
        else:
            term.scripted(sys.stdin.buffer.read(), sys.stdout.buffer)
    finally:
        term.close()


@click.command(cls=Command, json_errors=True)
@click.argument("programs", metavar="PROGRAM...", type=PATH, nargs=-1)
@click.option("--world", "world", default=None,
              help="A built-in world name (see `robokit worlds`) or a world file (.toml/.json); "
                   "default: the program's `# robokit: world=NAME` line, else empty.")
@click.option("--robot", "robots", type=PATH, multiple=True,
              help="robot.toml describing the robot; default: robot.toml next to the "
                   "program if there is one, else the standard rover.  With several "
                   "programs, one --robot per program, in order.")
@click.option("--seed", type=int, default=None, help="Seed for sensor noise and motor variance "
              "(turns noise on); the same seed gives the same run.")
@click.option("--noise", is_flag=True, help="Add sensor noise and per-device variance.")
@click.option("--duration", type=float, default=None,
              help="Simulated seconds before the run stops (status: timeout), above 0 and at "
                   "most 1,000,000; default: the program's `# robokit: duration=S` line, "
                   "else 60.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the result instead of the output and summary.")
@path_option("--plot", help="Write a picture of the path over the mat and the sensor "
                            "traces: FILE.svg (vector) or FILE.png (pixels).")
@path_option("--telemetry", help="Write the telemetry to FILE.csv or FILE.json.")
@path_option("--replay", help="Write FILE.html: the run played back in a browser (world, "
                              "robot, path, sensors, events, a timeline); one file, "
                              "works offline.")
@path_option("--input", "input_file",
             help="A text file ('-': standard input) the program's input() reads, line by "
                  "line (without it, input() gets end-of-file: the simulator never waits "
                  "for the keyboard).")
@click.option("--board", "kit", default=None, metavar="NAME|FILE",
              help="Simulate a robot built on this kit board (`robokit board list`): the "
                   "kit's geometry, drive base and motors, with robot.toml's devices.")
@click.option("--press", "press", multiple=True, metavar="BUTTON@TIME",
              help="Press a hub button at a simulated time: center@2s (held 100 ms) or "
                   "left@3s-4s (held from 3 s to 4 s); a Pybricks Remote's button as "
                   "remote.left_plus@3s-4s; repeat for more presses.")
@click.option("--exact", is_flag=True,
              help="Run the program as its bundle's .mpy in MicroPython's VM (the unix "
                   "port), through the upload and loader of a real board, on the same "
                   "simulated robot and world: bytecode-exact, and slower.")
@brick_options
def run(programs: tuple[Path, ...], world: str | None, robots: tuple[Path, ...],
        seed: int | None, noise: bool,
        duration: float | None, as_json: bool, plot: Path | None, telemetry: Path | None,
        replay: Path | None, input_file: Path | None, kit: str | None,
        press: tuple[str, ...], port: str | None, ble: str | None,
        pybricks: str | None, exact: bool = False) -> None:
    """Run PROGRAM on the simulated brick, or on a real one with --port, --ble or
    --pybricks.  PROGRAM is a .py file, a folder with main.py, or a bundle (.rkb) built
    with `robokit compile`.  A program is compiled and checked for the brick first, and
    runs from its verified bundle.  On a brick, Ctrl-C stops the program there.

    Several PROGRAMs run together in one simulated world, each on its own robot at the
    world's start poses in order (`robokit worlds --show sumo`)."""
    at = where(port, ble, pybricks)
    if not programs:
        programs = _world_programs(world)
    if exact:
        from .exact import refuse

        refuse(max(len(programs), len(robots)), at, kit, input_file)
    if len(programs) > 1 or len(robots) > 1 or at is not None:
        from . import resume_collector

        resume_collector()  # (this command's start is over)
    if len(programs) > 1 or len(robots) > 1:
        from .match import run_several

        run_several(programs, robots, at=at, world=world, seed=seed, noise=noise,
                    duration=duration, as_json=as_json, plot=plot, telemetry=telemetry,
                    replay=replay, input_file=input_file, kit=kit, press=press)
        return
    program = programs[0]
    robot = robots[0] if robots else None
    if at is not None:
        sim_only = [name for name, value in (("--world", world), ("--seed", seed),
                                             ("--noise", noise), ("--duration", duration),
                                             ("--input", input_file), ("--board", kit),
                                             ("--press", press))
                    if value]
        if sim_only:
            fail(f"{', '.join(sim_only)} {'is' if len(sim_only) == 1 else 'are'} for "
                 f"the simulated brick; leave {'it' if len(sim_only) == 1 else 'them'} "
                 f"out with --{where_kind(at)}")
        check_file_names(plot, telemetry, replay)
        _run_on_brick(program, at, robot, as_json, plot, telemetry, replay)
        return
    from ..sim.brick import check_duration
    from ..targets.program import find_robot

    if duration is not None:
        duration = check_duration(duration, "--duration")
    presses: tuple[Any, ...] = ()
    if press:  # (robokit.sim.presses costs a run without presses ~0.7 ms)
        from ..sim.presses import check_presses

        presses = check_presses(press, "--press")
    given_input = read_input(input_file)

    check_file_names(plot, telemetry, replay)
    robot = find_robot(program, robot)
    board_kit = None
    if kit is not None:
        from ..kits import load_board

        with about("--board"):
            board_kit = load_board(kit)
    inputs = run_inputs(program, robot, world, input_file)
    check_outputs(inputs, telemetry, plot, replay)

    def echo_line(line: str, t: float) -> None:
        click.echo(line)

    try:
        _simulate_and_report(program, world, robot, seed, noise, duration, as_json, plot,
                             telemetry, given_input, input_file, echo_line, replay,
                             kit=board_kit, presses=presses, exact=exact)
    except KeyboardInterrupt as exc:
        if getattr(exc, "left_behind", False):
            # The program ignored Ctrl-C and still runs in a thread: end the process
            # here, not in an interpreter shutdown that would wait on it.
            if as_json:
                print_interrupted(exc, None)
            click.echo("robokit: run: interrupted", err=True)
            _end_now(EXIT_INTERRUPTED)
        raise
    except BrokenPipeError:
        # Whoever read our output went away (`robokit run p.py | head -1`): the run
        # ends quietly, as a command killed by SIGPIPE would (128 + 13).
        _quiet_stdout()
        sys.exit(EXIT_BROKEN_PIPE)


#: The exit code of a run whose output was closed by its reader (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141

#: The program's errors that say the program and the robot disagree about a device:
#: robokit's DeviceError, and the pybricks namespace's NoDeviceError (Pybricks' OSError
#: ENODEV, which a Pybricks program may catch; uncaught, it is reported the same way).
DEVICE_ERRORS = ("DeviceError", "NoDeviceError")


def _world_programs(world: str | None) -> tuple[Path, ...]:
    """The programs a world file's [[robots]] name, when no PROGRAM is given."""
    if world is not None:
        from ..sim.world import load_world

        # (a bad world file is said as with a PROGRAM: its own file:line, and with
        # --json the {"status": "invalid"} object too)
        named = load_world(world).robot_files()
        if named and all(program is not None for program, _ in named):
            return tuple(p for p, _ in named if p is not None)
    fail("give the PROGRAM to run (a .py file, a folder with main.py or a .rkb bundle), "
         "or a --world file whose [[robots]] each name a program")


def _end_now(code: int) -> NoReturn:
    """Flush what was printed and end the process at once with ``code``."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's last flush on exit does not
    complain about the closed pipe again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _both(first: Any, then: Any) -> Any:
    """An ``on_start(brick)`` calling ``first`` (when there is one), then ``then``."""
    if first is None:
        return then

    def on_start(brick: Any) -> None:
        first(brick)
        then(brick)

    return on_start


def _started(brick: Any) -> None:
    """The run's program starts: the command's start is over, and the garbage collector
    held since it began goes back on (robokit.cli.resume_collector).  (A run that ends
    before its program starts ends the process soon after.)"""
    from . import resume_collector

    resume_collector()


def _simulate_and_report(program: Path, world: str | None, robot: Path | None,
                         seed: int | None, noise: bool, duration: float | None,
                         as_json: bool, plot: Path | None, telemetry: Path | None,
                         given_input: str | None, input_file: Path | None,
                         echo_line: Any, replay: Path | None = None,
                         kit: dict[str, Any] | None = None,
                         presses: tuple[Any, ...] = (), exact: bool = False) -> None:
    from ..sim import simulate

    on_output = None if as_json else echo_line
    on_start = _started if kit is None else _both(_as_kit(kit, robot), _started)
    # A long simulation draws its simulated time against the duration on a terminal's
    # stderr (not with --json, not into a pipe or log): nothing for a run under a second.
    progress = None if as_json else sim_progress("run")
    with progress or nullcontext():
        if progress is not None:
            on_output = progress.wrap_output(echo_line)
            on_start = _both(on_start, progress.on_start)
        if exact:  # the program's .mpy in MicroPython's VM (cli/exact.py)
            from .exact import simulate_exact

            result = simulate_exact(program, world, robot, seed, True if noise else None,
                                    duration, on_output, presses, on_start)
        else:
            result = simulate(program, world=world, robot=robot, seed=seed,
                              noise=True if noise else None, duration=duration,
                              on_output=on_output, input=given_input, on_start=on_start,
                              press=presses)
    if not result.ran and result.error is not None:
        # A syntax error, found when the program was compiled: said as any input that
        # cannot be used (one message with file:line and a caret, exit 2), not as a run.
        from ..errors import ProgramError

        raise ProgramError(result.traceback or result.error["message"],
                           file=result.error["file"], line=result.error["line"])
    inputs = run_inputs(program, robot, world, input_file)
    write_run_files(result, telemetry, plot, replay, inputs)

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        err = result.error
        if err is not None and err["type"] in DEVICE_ERRORS and err["file"]:
            # The program and the robot disagree (a port, a device): that is the robot
            # file or the program's set-up to fix, so one line says where, no traceback.
            click.echo(f"robokit: run: {err['file']}:{err['line']}: {err['message']}",
                       err=True)
        elif result.traceback:
            click.echo(result.traceback, err=True)
        _print_summary(result, telemetry, plot, replay)
    code = EXIT_PROGRAM_ERROR if result.status == "error" else 0
    if result.left_behind:  # the program still runs in a thread: do not wait for it
        _end_now(code)
    if code:
        sys.exit(code)


def _print_summary(result: Any, telemetry: Path | None, plot: Path | None,
                   replay: Path | None = None) -> None:
    status = {"finished": click.style("finished", fg="green"),
              "timeout": click.style("timeout", fg="yellow") + " (ran until --duration)",
              "error": click.style("error", fg="red")}[result.status]
    stop = next((e for e in result.telemetry.events if e["kind"] == "stopped"), None)
    if stop is not None and result.status == "finished":  # (robokit.sim.stopbutton)
        status += (f" (the hub's stop button, {' + '.join(stop['buttons'])}, at "
                   f"{stop['t_ms'] / 1000:.3f} s)")
    click.echo("")
    click.echo(f"── {result.program} on {result.world.name} ──", err=False)
    click.echo(f"status     {status}")
    click.echo(sim_time_line(result))
    _print_motion(result, telemetry, plot, replay)


def _print_motion(result: Any, telemetry: Path | None, plot: Path | None,
                  replay: Path | None) -> None:
    """The summary's lines on what the robot did (pose, distance, contacts, a warning
    when its motors turned but moved nothing) and the files written."""
    # Headings as the program's hub.imu.heading() reads them (Pybricks: clockwise-positive,
    # 0 at the start); positions in the world frame.
    click.echo(f"pose       {fmt_pose(result.pose, result.imu_heading_deg)}   "
               f"(start {fmt_pose(result.start_pose, 0.0)})")
    click.echo("           heading as hub.imu.heading() reads it: clockwise-positive, "
               "0 at the start")
    click.echo(f"distance   {fmt_number(result.distance_mm, 0)} mm driven")
    click.echo(f"contacts   {_contacts_line(result.contacts)}")
    for o in result.objects:
        click.echo(object_line(o))
    if result.verdict:
        click.echo(f"verdict    {result.verdict}")
    warning = _motion_warning(result)
    if warning is not None:
        click.echo(f"{click.style('warning', fg='yellow')}    {warning}")
    if telemetry is not None:
        click.echo(f"telemetry  {telemetry}")
    if plot is not None:
        click.echo(f"plot       {plot}")
    if replay is not None:
        click.echo(f"replay     {replay}")


def _motion_warning(result: Any) -> str | None:
    """A warning when two or more motors turned (the program meant to drive) but drive no
    wheel: the robot has no drive base, so it stayed where it was; None otherwise."""
    robot = result.brick.robot
    if robot.get("drive_base") or result.distance_mm >= 1.0:
        return None
    rec = result.telemetry
    turned = []
    for name, dev in robot["devices"].items():
        column = f"{name}_angle"
        if dev["type"] in ("Motor", "DCMotor") and column in rec.columns:
            angles = rec.column(column)
            if angles and max(angles) - min(angles) >= 90.0:
                turned.append(name)
    if len(turned) < 2:
        return None
    dc = any(robot["devices"][name]["type"] == "DCMotor" for name in turned)
    return (f"{' and '.join(turned)} turned but drive no wheel: the robot has no drive "
            "base (robot.toml has no [drive_base]), so it did not move; for a kit robot, "
            "run with --board NAME (`robokit board list`)"
            + ("" if dc else ", else add a [drive_base]"))


def _as_kit(kit: dict[str, Any], robot: Path | None) -> Any:
    """``simulate(on_start=...)`` for ``robokit run --board``: the brick becomes the
    robot.toml's robot (none: the kit's own) built on the kit board."""
    from ..config import load_robot
    from ..kits import check_robot
    from ..virtual.pins import as_kit

    cfg = load_robot(str(robot)) if robot is not None else None
    problems = check_robot(kit, cfg) if cfg is not None else []
    if problems:
        fail(f"--board {kit['name']}: {problems[0]}")
    return lambda brick: as_kit(brick, kit, cfg)


def _contacts_line(c: dict[str, Any]) -> str:
    """The summary's line about the body touching walls and boxes."""
    if not c["count"]:
        return "none"
    n = c["count"]
    where = f"x={fmt_number(c['first_x_mm'], 0)} mm, y={fmt_number(c['first_y_mm'], 0)} mm"
    return (f"{n} (first at {c['first_s']:.3f} s, {where}; longest push "
            f"{c['longest_s']:.3f} s)")


@click.command(cls=Command)
@click.option("--scan-time", type=click.FloatRange(min=0.1, max=60), default=3.0,
              show_default=True, help="Seconds to listen for Bluetooth LE bricks.")
@click.option("--no-ble", is_flag=True,
              help="Only list what is on USB (serial ports, LEGO hubs): no Bluetooth scan.")
def devices(scan_time: float, no_ble: bool) -> None:
    """List the bricks robokit can reach: USB serial ports (naming known boards), LEGO
    hubs on USB, and Bluetooth LE bricks (Pybricks hubs and Nordic UART boards) with their
    signal."""
    from ..link.ports import serial_ports

    ports = serial_ports()
    click.echo("USB serial")
    if not ports:
        click.echo("  no USB serial ports found: is the brick plugged in and switched on?")
    for p in ports:
        what = p.known or p.description or "unknown USB serial device"
        click.echo(f"  {p.device:16s} {p.usb_id:9s}  {what}")
    from ..link import LinkError
    from ..link.pybricks_link import usb_hubs

    try:
        hubs = usb_hubs()
    except LinkError as exc:
        click.echo(f"LEGO hubs on USB\n  cannot look: {exc}")
    else:
        if hubs:
            click.echo("LEGO hubs on USB")
        for h in hubs:
            bus = f"bus {h.bus} device {h.address}"
            if h.problem:
                state = h.problem
            elif h.pybricks:
                state = "Pybricks firmware (use --pybricks usb)"
            else:
                state = "no Pybricks firmware (install it from https://code.pybricks.com)"
            click.echo(f"  {h.product or '?':24s} 0694:{h.product_id:04X}  {bus}  {state}")
    if no_ble:
        return
    from ..link.ble_link import scan

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
