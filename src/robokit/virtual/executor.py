"""The CPython executor of the simulated board (``SimBoard(vm="cpython")``) and its fake
MicroPython modules.

:class:`CPythonExecutor` runs the code the REPL receives with CPython's ``exec`` in a
persistent namespace whose ``os``/``uos`` (:mod:`robokit.virtual.vfs`), ``open``, ``sys``,
``time``, ``machine``, ``micropython``, ``gc`` and ``robokit_simhal`` are virtual;
``sys.implementation`` says ``micropython`` with an mpy ABI, output goes back over the link
and a trace function polls for Ctrl-C while the code runs.  Modules import from the board's
files (``.py`` only: ``.mpy`` needs the MicroPython VM, :mod:`robokit.virtual.mpvm`).
:func:`format_exc` formats an exception as MicroPython does, for both executors.

Imports :mod:`robokit.virtual.transport` only; the board it runs on is handed in.
"""

from __future__ import annotations

import ast
import builtins
import sys
import time
import traceback
import types
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from .transport import CTRL_C, BoardReset, Disconnected, Stopped
from .vfs import VirtualOS

if TYPE_CHECKING:
    from .board import SimBoard

__all__ = ["CPythonExecutor", "SoftReset", "format_exc"]


# CPython modules handed to the board's code as they are (MicroPython has these, or
# close enough); the "u" names map to them too.
PASSTHROUGH = frozenset({
    "array", "binascii", "cmath", "collections", "errno", "hashlib", "heapq", "io", "json",
    "math", "random", "re", "select", "struct",
})


class SoftReset(BaseException):
    """machine.soft_reset() / sys.exit() in the board's code."""


class Stream:
    """sys.stdout / sys.stderr of the board's code: text goes back over the link."""

    def __init__(self, board: SimBoard):
        self._b = board
        self.buffer = self

    def write(self, s: Any) -> int:
        data = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else bytes(s)
        self._b._out(data.replace(b"\n", b"\r\n") if isinstance(s, str) else data)
        return len(s)

    def flush(self) -> None:
        pass


class StdIn:
    """sys.stdin (and sys.stdin.buffer) of the board's code: the host's bytes, as they come.

    As on a board, ``read(n)`` blocks until ``n`` bytes have come; Ctrl-C in them
    interrupts unless the code turned that off with ``micropython.kbd_intr(-1)``."""

    def __init__(self, board: SimBoard):
        self._b = board
        self.buffer = self

    def read(self, n: int = 1) -> bytes:
        b = self._b
        out = bytearray()
        while len(out) < n:
            c = b._getc()
            if c == b._kbd_intr:
                raise KeyboardInterrupt
            out.append(c)
        return bytes(out)


def format_exc(e: BaseException, code_files: Collection[str] = ("<stdin>",)) -> bytes:
    """``e`` as MicroPython prints it: the traceback's frames in the board's own code
    (``code_files``), then the exception (``OSError`` for CPython's OSError subclasses)."""
    out = ["Traceback (most recent call last):\r\n"]
    if isinstance(e, SyntaxError):
        out.append(f'  File "{e.filename or "<stdin>"}", line {e.lineno}\r\n')
        out.append(f"SyntaxError: {e.msg}\r\n")
        return "".join(out).encode()
    for f in traceback.extract_tb(e.__traceback__):
        if f.filename in code_files:
            out.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}\r\n')
    msg = str(e).replace(" is not defined", " isn't defined")
    # CPython makes OSError(2, ...) a FileNotFoundError; MicroPython says OSError.
    name = "OSError" if isinstance(e, OSError) else type(e).__name__
    if isinstance(e, KeyboardInterrupt):
        out.append(f"{name}: \r\n")
    else:
        out.append(f"{name}: {msg}\r\n" if msg else f"{name}\r\n")
    return "".join(out).encode()


class CPythonExecutor:
    """Runs the board's code in CPython, in a namespace that looks like MicroPython's."""

    def __init__(self, board: SimBoard):
        self._b = board
        self._modules: dict[str, types.ModuleType] = {}
        self._globals: dict[str, Any] = {}
        self._builtins: dict[str, Any] = {}
        self._trace_tick = 0.0
        self._code_files: set[str] = {"<stdin>"}  # the board's own code, for tracebacks
        self.reset()

    def reset(self) -> None:
        """A fresh interpreter (soft reset): new namespace and modules."""
        self._modules = {}
        b = dict(builtins.__dict__)
        b.update(print=self._print, open=self._b._open, __import__=self._import,
                 input=self._input, exit=self._exit, quit=self._exit, help=self._help)
        self._builtins = b
        self._globals = {"__name__": "__main__", "__builtins__": b}

    def format_exc(self, e: BaseException) -> bytes:
        return format_exc(e, self._code_files)

    def execute(self, code: bytes, mode: str) -> bytes:
        """Run code in the board's namespace; return the formatted error (b"" if none)."""
        try:
            src = code.decode("utf-8")
            if mode == "single":
                tree = ast.parse(src, "<stdin>", "single")
                if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
                    value = self._run(compile(ast.Expression(tree.body[0].value), "<stdin>",
                                              "eval"))
                    if value is not None:
                        self._b._out(repr(value).encode() + b"\r\n")
                    return b""
                self._run(compile(ast.Module(tree.body, type_ignores=[]), "<stdin>", "exec"))
            else:
                self._run(compile(src, "<stdin>", "exec"))
        except (Stopped, Disconnected, BoardReset):
            raise
        except SoftReset:
            return b""
        except BaseException as e:  # noqa: B036 - the board reports every exception
            return self.format_exc(e)
        return b""

    def _run(self, code: types.CodeType) -> Any:
        old = sys.gettrace()
        self._trace_tick = time.monotonic()
        self._b._kbd_intr = CTRL_C  # as pyexec.c: every run starts with Ctrl-C interrupting
        sys.settrace(self._trace)  # per thread: polls for Ctrl-C while the code runs
        try:
            return eval(code, self._globals)  # running what it is sent is the board's job
        finally:
            sys.settrace(old)

    def _trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in self._code_files:
            return None
        return self._trace_line

    def _trace_line(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        now = time.monotonic()
        if now - self._trace_tick > 0.02:
            self._trace_tick = now
            self._b._poll_interrupt()
        return self._trace_line

    def _print(self, *args: Any, sep: str | None = " ", end: str | None = "\n",
               file: Any = None, flush: bool = False) -> None:
        text = (" " if sep is None else sep).join(str(a) for a in args)
        text += "\n" if end is None else end
        if file is not None and not isinstance(file, Stream):
            file.write(text)
            return
        # MicroPython's stdout is "cooked": every \n goes out as \r\n.
        self._b._out(text.replace("\n", "\r\n").encode("utf-8", "surrogateescape"))

    def _input(self, prompt: str = "") -> str:
        self._b._out(prompt.encode())
        line = bytearray()
        while True:
            c = self._b._getc()
            if c == CTRL_C:
                raise KeyboardInterrupt
            if c in (ord("\r"), ord("\n")):
                self._b._out(b"\r\n")
                return line.decode("utf-8", "replace")
            line.append(c)
            self._b._out(bytes([c]))

    def _exit(self, code: Any = None) -> None:
        raise SoftReset

    def _help(self, *args: Any) -> None:
        self._print("Welcome to the robokit simulated MicroPython board.")

    def _import(self, name: str, globals: Any = None, locals: Any = None,
                fromlist: Any = (), level: int = 0) -> types.ModuleType:
        if level:  # inside a package (the ROM's): relative to it
            package = (globals or {}).get("__package__") or ""
            parts = package.split(".") if package else []
            if level - 1 >= len(parts):
                raise ImportError("relative import outside a package")
            base = ".".join(parts[:len(parts) - (level - 1)])
            name = f"{base}.{name}" if name else base
        parts = name.split(".")
        mod = self._module(parts[0])
        if mod is None:
            raise ImportError(f"no module named '{name}'")
        top = mod
        for i in range(1, len(parts)):  # a package's modules: the ROM's
            sub = self._module(".".join(parts[:i + 1]))
            if sub is None:
                raise ImportError(f"no module named '{name}'")
            setattr(mod, parts[i], sub)
            mod = sub
        if not fromlist:
            return top
        for item in fromlist:
            if item != "*" and not hasattr(mod, item) and hasattr(mod, "__path__"):
                sub = self._module(f"{name}.{item}")
                if sub is not None:
                    setattr(mod, item, sub)
        return mod

    def _module(self, name: str) -> types.ModuleType | None:
        if name in self._modules:
            return self._modules[name]
        real = name[1:] if name.startswith("u") and name[1:] in PASSTHROUGH else name
        mod: types.ModuleType | None
        if name in ("os", "uos"):
            mod = VirtualOS(self._b, name)
        elif name in ("sys", "usys"):
            mod = self._make_sys()
        elif name in ("time", "utime"):
            mod = self._make_time()
        elif name == "machine":
            mod = self._make_machine()
        elif name == "micropython":
            mod = self._make_micropython()
        elif name == "robokit_simhal":
            mod = types.ModuleType("robokit_simhal")
            mod.__dict__.update(hal=self._b.new_brick)
        elif name == "gc":
            mod = types.ModuleType("gc")
            mod.__dict__.update(collect=lambda: None, mem_free=lambda: 200_000,
                                mem_alloc=lambda: 40_000, enable=lambda: None,
                                disable=lambda: None)
        elif name == "builtins":
            mod = types.ModuleType("builtins")
            mod.__dict__.update(self._builtins)
        elif real in PASSTHROUGH:
            import importlib

            mod = importlib.import_module(real)
        else:
            mod = self._module_from_files(name)
        if mod is not None:
            self._modules[name] = mod
        return mod

    def _module_from_rom(self, name: str) -> types.ModuleType | None:
        """``name`` from the board's ROM (robokit.virtual.rom: the device API)."""
        from .rom import ROM, rom_files

        files = rom_files()
        rel = name.replace(".", "/")
        package = f"{rel}/__init__.py" in files
        path = f"{rel}/__init__.py" if package else f"{rel}.py"
        if path not in files:
            return None
        shown = f"{ROM}/{path}"
        mod = types.ModuleType(name)
        mod.__dict__.update(__builtins__=self._builtins, __file__=shown,
                            __package__=name if package else name.rpartition(".")[0])
        if package:
            mod.__path__ = [f"{ROM}/{rel}"]
        self._modules[name] = mod
        try:
            exec(compile(files[path], shown, "exec"), mod.__dict__)  # noqa: S102
        except BaseException:
            del self._modules[name]
            raise
        return mod

    def _module_from_files(self, name: str) -> types.ModuleType | None:
        from .rom import ROM

        sys_mod = self._modules.get("sys")
        path = getattr(sys_mod, "path", None) or ["", "/rom", "/lib"]  # as sys.path
        if "." in name:  # a module of a package: only the ROM's packages are found
            return self._module_from_rom(name)
        for d in dict.fromkeys(x.rstrip("/") for x in path if isinstance(x, str)):
            if d == ROM:
                mod = self._module_from_rom(name)
                if mod is not None:
                    return mod
                continue
            p = f"{d}/{name}.py"
            if p not in self._b.files and f"{d}/{name}.mpy" in self._b.files:
                # Found first on a board, but this executor cannot run .mpy: stop here
                # rather than import a same-named .py further down the path.
                raise ImportError(f"no module named '{name}' (.mpy needs the MicroPython VM)")
            if p in self._b.files:
                mod = types.ModuleType(name)
                mod.__dict__.update(__builtins__=self._builtins, __file__=p)
                self._code_files.add(p)
                self._modules[name] = mod
                try:
                    exec(compile(self._b.files[p], p, "exec"), mod.__dict__)  # noqa: S102
                except BaseException:
                    del self._modules[name]
                    raise
                return mod
        return None

    def _make_sys(self) -> types.ModuleType:
        m = types.ModuleType("sys")
        impl = types.SimpleNamespace(name="micropython", version=(*self._b.version, ""),
                                     _machine=self._b.machine, _mpy=self._b.mpy_abi)
        stream = Stream(self._b)
        m.__dict__.update(
            implementation=impl, platform=self._b.platform, byteorder="little",
            maxsize=2**31 - 1, version=f"3.4.0; MicroPython {self._b.version_text}",
            version_info=(3, 4, 0), path=["", ".frozen", "/rom", "/lib"], argv=[],
            modules=self._modules,
            stdout=stream, stderr=stream, stdin=StdIn(self._b), exit=self._exit,
            print_exception=lambda e, f=None: self._b._out(self.format_exc(e)),
        )
        return m

    def _make_time(self) -> types.ModuleType:
        m = types.ModuleType("time")
        t0 = time.monotonic()

        def sleep(s: float) -> None:
            end = time.monotonic() + s
            while True:
                self._b._poll_interrupt()
                left = end - time.monotonic()
                if left <= 0:
                    return
                time.sleep(min(left, 0.02))

        m.__dict__.update(
            sleep=sleep, sleep_ms=lambda ms: sleep(ms / 1000), sleep_us=lambda us: sleep(us / 1e6),
            ticks_ms=lambda: int((time.monotonic() - t0) * 1000) & 0x3FFFFFFF,
            ticks_us=lambda: int((time.monotonic() - t0) * 1e6) & 0x3FFFFFFF,
            ticks_add=lambda t, d: (t + d) & 0x3FFFFFFF,
            ticks_diff=lambda a, b: ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000,
            time=lambda: int(time.time()), time_ns=time.time_ns, localtime=time.localtime,
        )
        return m

    def _make_machine(self) -> types.ModuleType:
        m = types.ModuleType("machine")
        m.__dict__.update(
            soft_reset=self._exit, reset=self._exit, freq=lambda *a: 125_000_000,
            unique_id=lambda: b"robokit!", idle=lambda: None, bootloader=self._b._bootloader,
        )
        return m

    def _set_kbd_intr(self, c: int) -> None:
        self._b._kbd_intr = c

    def _make_micropython(self) -> types.ModuleType:
        m = types.ModuleType("micropython")
        m.__dict__.update(const=lambda x: x, opt_level=lambda *a: 0, mem_info=lambda *a: None,
                          kbd_intr=self._set_kbd_intr, alloc_emergency_exception_buf=lambda n: None)
        return m
