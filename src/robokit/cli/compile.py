"""Commands of the compiler and the worlds: compile, check, inspect, worlds.

compile, check and inspect import the compiler lazily and never the simulator, numpy or
matplotlib: a warm `robokit compile` is mostly interpreter start-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ._errors import Command, about, fail
from ._output import PATH, compile_progress, describe_bundle, path_option

_TARGETS = ("sim", "micropython", "pybricks")
_ABIS = ("5", "6", "6.1", "6.2", "6.3")


@click.command(cls=Command)
@click.option("--show", metavar="NAME|FILE", default=None,
              help="Draw this world (a built-in name or a world file) with the standard "
                   "rover at its start; needs -o.")
@click.option("-o", "--output", type=click.Path(), default=None, metavar="FILE.svg|FILE.png",
              help="Where --show writes the picture: an SVG (*.svg) or a PNG (*.png), by "
                   "the suffix (an existing device or pipe is written through, as SVG; the "
                   "world file itself is refused).")
def worlds(show: str | None, output: str | None) -> None:
    """List the built-in worlds (name, description, start pose), or draw one with
    --show NAME -o FILE.svg (or FILE.png)."""
    from ..sim.world import BUILTIN_WORLDS, load_world

    if show is None:
        if output is not None:
            fail("-o/--output: give the world to draw with --show NAME (e.g. robokit "
                 "worlds --show maze -o maze.svg)")
        width = max(len(n) for n in BUILTIN_WORLDS)
        for name in BUILTIN_WORLDS:
            w = load_world(name)
            x, y, h = w.start
            click.echo(f"{name:{width}s}  {w.description or '(no description)'}  "
                       f"(start x={x:.0f} y={y:.0f} heading={h:.0f})")
        return
    stem = Path(show).stem or "world"
    if output is None or not output.strip():
        fail(f"--show {show}: give the picture's file with -o FILE.svg or -o FILE.png "
             f"(e.g. robokit worlds --show {show} -o {stem}.svg)")
    from ..config import standard_rover
    from ..sim.plot import plot_format
    from ..sim.worldplot import WHAT, plot_world

    try:
        plot_format(output, WHAT)  # before the world is read
    except ValueError as e:
        fail(f"-o {e}")
    with about("--show"):
        world = load_world(show)
    inputs = [] if show in BUILTIN_WORLDS else [show]
    plot_world(world, output, standard_rover()["body"], inputs=inputs)
    from .._files import stream_fd

    click.echo(f"wrote {output}: world {world.name}"  # to stderr when the SVG went to stdout
               + (f" ({world.description})" if world.description else ""),
               err=stream_fd(output) == 1)


def _build_options(fn: Any) -> Any:
    fn = click.option("--max-size", type=click.IntRange(min=1), default=None, metavar="BYTES",
                      help="Program memory of the brick, in bytes (default: the target's: "
                           "pybricks 256 KiB, micropython 512 KiB, sim unlimited).")(fn)
    fn = path_option("--robot",
                     help="robot.toml to check and include; default: robot.toml beside the "
                          "program, else the standard rover.")(fn)
    fn = click.option("--abi", type=click.Choice(_ABIS), default=None,
                      help="mpy ABI of the brick's firmware; default 6.3 (sim, micropython) "
                           "or 6 (pybricks).")(fn)
    fn = click.option("--target", type=click.Choice(_TARGETS), default=None,
                      help="What will run the program (default: sim).")(fn)
    return fn


@click.command("compile", cls=Command)
@click.argument("program", type=PATH)
@click.option("-o", "--output", type=click.Path(), default=None,  # a str: '' is not '.'
              help="Where to write the bundle (default: beside the program, PROGRAM.rkb). "
                   "An existing device or pipe (/dev/stdout) is written through; one of "
                   "the program's own files is refused.")
@_build_options
@click.option("--strip-source", is_flag=True,
              help="Leave the sources out (smaller; tracebacks still give file:line).")
@click.option("--format", "fmt", type=click.Choice(["rkb", "pybricks"]), default="rkb",
              help="rkb: a robokit bundle; pybricks: the multi-file blob pybricksdev uploads "
                   "(implies --target pybricks).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="mpy-cross runs in parallel (default: one per CPU).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when it works.")
def compile_(program: Path, output: str | Path | None, target: str | None, abi: str | None,
             robot: Path | None, max_size: int | None, strip_source: bool, fmt: str,
             jobs: int | None, quiet: bool) -> None:
    """Compile PROGRAM (a .py file, or a folder with main.py) into a bundle."""
    from .._files import check_output, stream_fd, write_output
    from ..compiler.compile import compile_program, input_files

    if fmt == "pybricks":
        if target not in (None, "pybricks"):
            fail(f"--format pybricks is for a Pybricks hub; use --target pybricks "
                 f"(not {target}), or --format rkb")
        target = "pybricks"
    target = target or "sim"
    if output is None:
        base = program.resolve()
        suffix = ".rkb" if fmt == "rkb" else ".bin"
        output = base.with_suffix(suffix) if base.suffix == ".py" else \
            base.parent / (base.name + suffix)
    what = "bundle" if fmt == "rkb" else "Pybricks program"
    check_output(output, what=what)  # an impossible path fails before the compile
    bundle = compile_program(program, target=target, abi=abi, strip_source=strip_source,
                             robot=robot, jobs=jobs, max_size=max_size,
                             progress=compile_progress("compile"))
    if fmt == "pybricks":
        from ..compiler.pybricks import export_pybricks

        data = export_pybricks(bundle)
    else:
        data = bundle.to_bytes()
    write_output(output, data, inputs=input_files(program, bundle, robot), what=what)
    if not quiet:  # to stderr when the bundle itself went to stdout
        click.echo(f"wrote {output}: {describe_bundle(bundle)}, {len(data):,} bytes, "
                   f"target {bundle.target}, mpy ABI {bundle.abi}"
                   + (", sources stripped" if strip_source else ""),
                   err=stream_fd(output) == 1)


@click.command(cls=Command)
@click.argument("program", type=PATH)
@_build_options
def check(program: Path, target: str | None, abi: str | None, robot: Path | None,
          max_size: int | None) -> None:
    """Check PROGRAM for its target without writing anything (exit 0 if it would compile)."""
    from ..compiler.checks import upload_size
    from ..compiler.compile import check_program

    bundle = check_program(program, target=target or "sim", abi=abi, robot=robot,
                           max_size=max_size, progress=compile_progress("check"))
    size = upload_size(bundle)
    click.echo(f"ok: {describe_bundle(bundle)}, {size:,} bytes for {bundle.target} "
               f"(mpy ABI {bundle.abi})")




@click.command(cls=Command)
@click.argument("bundle_file", metavar="FILE.rkb", type=PATH)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def inspect(bundle_file: Path, as_json: bool) -> None:
    """Show a bundle's manifest: modules with size and SHA-256, ABI, target, robot;
    and verify it (exit 2 if it is corrupt)."""
    from ..compiler.bundle import Bundle

    bundle = Bundle.read(bundle_file)  # verifies every hash before returning
    manifest = bundle.manifest()
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
    click.echo(f"robot       {_robot_line(robot)}")
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


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _robot_line(robot: Any) -> str:
    """The robot configuration a bundle carries, on one line. Its hashes are valid, so it
    is what its maker wrote, whatever its shape: shown as it is (``run`` checks it)."""
    if not isinstance(robot, dict):
        return f"{_short(robot)} (not a table)"
    hub = robot.get("hub", {})
    hub_type = hub.get("type", "?") if isinstance(hub, dict) else hub
    line = f"{_short(robot.get('name', '?'))}: {_short(hub_type)}"
    devices = robot.get("devices", {})
    if not isinstance(devices, dict):
        return line + f", devices {_short(devices)} (not a table: run refuses it)"
    for name, d in devices.items():
        if isinstance(d, dict):
            line += f", {name} {_short(d.get('type'))} on {_short(d.get('port'))}"
        else:
            line += f", {name} {_short(d)}"
    return line


# -- firmware ------------------------------------------------------------------------
