"""What a target can run: module tables, constructs MicroPython lacks, robot and size checks.

Every check names the file and line and says how to fix it.  Checks collect
:class:`~robokit.compiler.imports.Finding` objects; :func:`raise_findings` turns
them into one :class:`~robokit.errors.CheckError` listing all of them (so one
``robokit check`` shows every problem, not only the first).

Targets (see docs/compiling.md):

* ``sim`` — the simulated brick.  It stands for a MicroPython kit board, so a
  program that passes here runs on a brick unchanged: it gets the MicroPython
  module table, not CPython's standard library.
* ``micropython`` — a MicroPython robot-kit board (RP2040 / ESP32).
* ``pybricks`` — a LEGO hub running Pybricks firmware: ``pybricks.*`` and the
  small set of MicroPython modules Pybricks builds in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import CheckError, ProgramError
from . import stdnames
from .cache import Cache, analysed
from .imports import Finding, ImportGraph, SourceModule, find_imports, source_line, too_deep
from .taken import names_taken

if TYPE_CHECKING:
    from .bundle import Bundle

KIB = 1024

#: MicroPython's built-in modules on a robot-kit board (RP2040 / ESP32 ports,
#: MicroPython 1.19-1.29), with their historical ``u`` names.
MICROPYTHON_MODULES = frozenset({
    "_asyncio", "_thread", "array", "asyncio", "binascii", "bluetooth", "btree", "builtins",
    "cmath", "collections", "cryptolib", "deflate", "dht", "ds18x20", "errno", "esp", "esp32",
    "espnow", "framebuf", "gc", "hashlib", "heapq", "io", "json", "machine", "math",
    "micropython", "neopixel", "network", "onewire", "os", "platform", "random", "re", "rp2",
    "select", "socket", "ssl", "struct", "sys", "time", "tls", "uarray", "uasyncio",
    "ubinascii", "ubluetooth", "ucollections", "ucryptolib", "uctypes", "uerrno", "uhashlib",
    "uheapq", "uio", "ujson", "umachine", "umath", "uos", "uplatform", "urandom", "ure",
    "uselect", "usocket", "ussl", "ustruct", "usys", "utime", "uzlib", "vfs", "zlib",
})

#: Pybricks firmware (v3.x): the ``pybricks`` package and the MicroPython modules it
#: builds in (as its API stubs list them), with their plain names.
PYBRICKS_MODULES = frozenset({
    "builtins", "errno", "io", "json", "math", "micropython", "pybricks", "random", "select",
    "struct", "sys", "uerrno", "uio", "ujson", "umath", "urandom", "uselect", "ustruct", "usys",
})

#: CPython modules a program may reach for that MicroPython does not have, and
#: what to write instead.
ALTERNATIVES = {
    "typing": "import it only for the type checker: put the import under "
              "'if TYPE_CHECKING:' (with 'try: from typing import TYPE_CHECKING' / "
              "'except ImportError: TYPE_CHECKING = False' above it); annotations "
              "themselves are fine",
    "typing_extensions": "import it only under 'if TYPE_CHECKING:'; annotations are fine",
    "__future__": "remove the line: MicroPython never evaluates annotations, so "
                  "'from __future__ import annotations' is not needed (and fails there)",
    "dataclasses": "write a plain class with an __init__ that sets the fields",
    "enum": "use a class with constants (class Mode: FAST = 1; SLOW = 2)",
    "abc": "use a plain base class whose methods raise NotImplementedError",
    "numpy": "use lists and the math module",
    "scipy": "use lists and the math module",
    "pandas": "use lists and dicts",
    "statistics": "compute it with sum() and len()",
    "itertools": "write the loop out",
    "functools": "write the function out (no partial/lru_cache on MicroPython)",
    "threading": "use robokit's multitask/run_task, or _thread on a MicroPython board",
    "asyncio": "use robokit's multitask/run_task",
    "pathlib": "use os and string paths",
    "datetime": "use time.ticks_ms() / StopWatch",
    "logging": "use print()",
    "copy": "copy lists with list(x) and dicts with dict(x)",
}


class TargetInfo(NamedTuple):
    """What compiling for a target means."""

    name: str
    family: str  # "micropython" or "pybricks": which module table
    default_abi: str
    max_size: int | None  # program memory, bytes; None: unlimited
    modules: frozenset[str]
    description: str

    def has_module(self, name: str) -> bool:
        top = name.split(".", 1)[0]
        return top in self.modules or top == "robokit"


TARGETS: dict[str, TargetInfo] = {
    "sim": TargetInfo("sim", "micropython", "6.3", None, MICROPYTHON_MODULES,
                      "the simulated brick (a MicroPython kit board)"),
    "micropython": TargetInfo("micropython", "micropython", "6.3", 512 * KIB,
                              MICROPYTHON_MODULES, "a MicroPython kit board"),
    "pybricks": TargetInfo("pybricks", "pybricks", "6", 256 * KIB, PYBRICKS_MODULES,
                           "a LEGO hub with Pybricks firmware"),
}

#: Ports each hub type has (robot.toml's ``hub.type``).
HUB_PORTS: dict[str, Any] = {
    "PrimeHub": "ABCDEF",
    "InventorHub": "ABCDEF",
    "Hub": "ABCDEF",
    "TechnicHub": "ABCD",
    "EssentialHub": "AB",
    "CityHub": "AB",
    "MoveHub": "ABCD",
    "EV3Brick": ("A", "B", "C", "D", "S1", "S2", "S3", "S4"),
}


def target_info(target: str) -> TargetInfo:
    try:
        return TARGETS[target]
    except KeyError:
        raise CheckError(f"unknown target {target!r}; use one of "
                         f"{', '.join(TARGETS)}") from None


def raise_findings(findings: list[Finding], entry: str = "main.py") -> None:
    """Raise one CheckError listing every finding (sorted by file and line, the entry
    file's first); no-op if none."""
    if not findings:
        return
    unique = sorted(set(findings), key=lambda f: (f.file != entry, f.file, f.line, f.col))
    first = unique[0]
    text = "\n".join(f.format() for f in unique)
    if len(unique) > 1:
        text += f"\n({len(unique)} problems)"
    raise CheckError(text, file=first.file, line=first.line)


# -- imports -------------------------------------------------------------------------


def check_imports(graph: ImportGraph, target: str) -> list[Finding]:
    """Imports that are neither in the project nor built into the target."""
    info = target_info(target)
    out: list[Finding] = list(graph.findings) + names_taken(graph, info)
    if info.name != "sim":
        ev3 = _ev3_finding(graph)
        if ev3 is not None:
            return out + [ev3]
    for mod, site in graph.external:
        if site.optional or not site.runtime:
            continue
        top = site.top
        if top == "pybricks" and info.family != "pybricks":
            out += _pybricks_findings(mod, site, info)
            continue
        if site.module == "robokit" and info.family != "pybricks":
            out += _robokit_findings(mod, site, info)
            continue
        if top == "robokit" and site.module != "robokit":
            out += _robokit_module_findings(mod, site, info)
            continue
        if top == "_thread" and info.name == "sim":
            out.append(Finding(
                mod.relpath, site.line, site.col,
                f"'_thread' is imported, but {info.description} runs a program as one thread "
                "on its simulated clock: a second thread would race it there, and no two runs "
                "would agree; use robokit's multitask/run_task, which the simulator runs in "
                "step (on a MicroPython board, _thread works)",
                source_line(mod.source, site.line)))
            continue
        if info.has_module(site.module):
            continue
        if top == "typing" and site.names and set(site.names) <= {"TYPE_CHECKING"}:
            fix = ("MicroPython has no typing module: write 'try: from typing import "
                   "TYPE_CHECKING' / 'except ImportError: TYPE_CHECKING = False'")
            out.append(Finding(mod.relpath, site.line, site.col,
                               f"'from typing import TYPE_CHECKING' fails on {info.description}; "
                               + fix, source_line(mod.source, site.line)))
            continue
        what = f"'{site.module}'"
        if top in ALTERNATIVES:
            fix = ALTERNATIVES[top]
            kind = ("is used at run time, but" if top in
                    ("typing", "typing_extensions", "dataclasses", "enum", "abc", "__future__")
                    else "is imported, but")
            out.append(Finding(mod.relpath, site.line, site.col,
                               f"{what} {kind} {info.description} has no {top} module; {fix}",
                               source_line(mod.source, site.line)))
            continue
        out.append(Finding(
            mod.relpath, site.line, site.col,
            f"{what} is neither a module of this project nor built into {info.description}; "
            f"put it in the project folder ({top}.py or {top}/), or remove the import "
            f"(modules it has: {_sample(info)})", source_line(mod.source, site.line)))
    return out


#: What makes a program an EV3 program (Pybricks 2.x): its modules, and EV3Brick.
EV3_MODULES = ("pybricks.ev3devices", "pybricks.nxtdevices", "pybricks.media",
               "pybricks.media.ev3dev", "pybricks.messaging")
#: The names of ``pybricks.messaging`` that are Pybricks 4.0's, for every hub (the rest of
#: the module is the EV3's mailboxes): a program importing only these is no EV3 program.
HUB_MESSAGING = ("BLERadio", "AppData")


def _is_ev3_import(site: Any) -> bool:
    """Does this ``pybricks`` import make the program an EV3 program?"""
    if site.module == "pybricks.messaging":
        return not site.names or not set(site.names) <= set(HUB_MESSAGING)
    return site.module in EV3_MODULES or (site.module == "pybricks.hubs"
                                          and "EV3Brick" in site.names)


def _ev3_finding(graph: ImportGraph) -> Finding | None:
    """One finding at the first EV3 import: an EV3 program runs in the simulator only."""
    for mod, site in graph.external:
        if site.top == "pybricks" and _is_ev3_import(site):
            return Finding(mod.relpath, site.line, site.col,
                           "an EV3 program (Pybricks 2.x): pushing to a real EV3 is not "
                           "supported, nor is running it as a board's bundle; run it in "
                           "the simulator (robokit run without --port, --pybricks, "
                           "--target or --exact)", source_line(mod.source, site.line))
    return None


def ev3_refusal(program: str | Path) -> str | None:
    """The one line refusing to push ``program`` to a brick when it is an EV3 program
    (``file:line: ...``); None for any other program, and for a built bundle (.rkb), whose
    target the brick checks when it is uploaded."""
    if Path(program).suffix.lower() == ".rkb":
        return None
    found = _ev3_finding(find_imports(program))
    return None if found is None else f"{found.file}:{found.line}: {found.message}"


def _pybricks_findings(mod: SourceModule, site: Any, info: TargetInfo) -> list[Finding]:
    """What of a ``pybricks`` import the target lacks: the simulator provides the
    namespace of :mod:`robokit.devices.pybricks` (names listed in its ``_table``)."""
    from ..devices._suggest import closest
    from ..devices.pybricks._table import MODULES_NOT_YET, NOT_YET, PROVIDED, WHY

    def finding(message: str) -> Finding:
        return Finding(mod.relpath, site.line, site.col, message,
                       source_line(mod.source, site.line))

    modules = ", ".join(sorted(PROVIDED))

    def hint(name: str, names: list[str]) -> str:
        hit = closest(name, names)
        return "" if hit is None else f" (did you mean {hit}?)"

    if site.module not in PROVIDED:
        if site.module in MODULES_NOT_YET:
            what = "a Pybricks module that the simulator does not provide yet"
        else:
            what = "not a Pybricks module" + hint(site.module, list(PROVIDED))
        return [finding(f"'{site.module}': {what}; the simulator provides {modules} "
                        "(docs/pybricks-programs.md)")]
    out = []
    for name in site.names:
        if name == "*" or name in PROVIDED[site.module]:
            continue
        if name in NOT_YET[site.module] and name in WHY:
            out.append(finding(f"{name}: a Pybricks name ({site.module}) that is not "
                               f"simulated: {WHY[name]}; see docs/pybricks-programs.md for "
                               "what runs"))
        elif name in NOT_YET[site.module]:
            out.append(finding(f"{name}: a Pybricks name ({site.module}) that this simulator "
                               "does not provide yet; see docs/pybricks-programs.md for what "
                               "runs"))
        else:
            have = PROVIDED[site.module]
            out.append(finding(f"{name}: '{site.module}' has no such name"
                               f"{hint(name, list(have))}; it has "
                               f"{', '.join(have)}"))
    return out


def _robokit_findings(mod: SourceModule, site: Any, info: TargetInfo) -> list[Finding]:
    """Names of ``from robokit import ...`` that robokit does not have on the target:
    the device API's (``robokit.devices.__all__``, what the brick's robokit exports),
    and in the simulator the host package's too.  A Pybricks name gets its module."""
    import robokit

    from ..devices import __all__ as device_names
    from ..devices._suggest import closest
    from ..devices.pybricks._table import PROVIDED

    host: list[str] = list(getattr(robokit, "__all__", ()))
    have = set(device_names) | (set(host) if info.name == "sim" else set())
    out = []
    for name in site.names:
        if name == "*" or name in have:
            continue
        where = [m for m in sorted(PROVIDED) if m != "pybricks" and name in PROVIDED[m]]
        hint = closest(name, sorted(have))
        fix = (f"it is Pybricks': write 'from {where[0]} import {name}'" if where
               else f"did you mean {hint}?" if hint is not None
               else "robokit has " + ", ".join(sorted(device_names)))
        out.append(Finding(mod.relpath, site.line, site.col,
                           f"{name}: robokit has no such name ({fix})",
                           source_line(mod.source, site.line)))
    return out


def _robokit_module_findings(mod: SourceModule, site: Any, info: TargetInfo
                             ) -> list[Finding]:
    """``import robokit.X`` where the brick has no ``robokit.X``: robokit's host-side
    modules (the simulator, the kits' API...) are not part of a bundle, so the program
    would stop there on a brick (and the simulator, which runs the host's robokit, must
    not let it through)."""
    from .units import module_names

    if site.module in module_names(info.family if info.name != "sim" else "sim"):
        return []
    host = ("is part of robokit on your computer, not on " if _host_module(site.module)
            else "is not a module of robokit on ")
    fix = ("a robot program imports what it drives from robokit itself: "
           "'from robokit import robot, Motor, wait'")
    if info.family == "pybricks":
        fix = "on a Pybricks hub, import from pybricks (or 'from robokit import ...')"
    return [Finding(mod.relpath, site.line, site.col,
                    f"'{site.module}' {host}{info.description}; {fix}",
                    source_line(mod.source, site.line))]


def _host_module(name: str) -> bool:
    """Is ``name`` one of robokit's modules here, on the computer?"""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _sample(info: TargetInfo) -> str:
    common = ["math", "time", "random", "struct", "json"] if info.family == "micropython" else \
        ["pybricks", "umath", "urandom", "ustruct", "ujson"]
    return ", ".join(m for m in common if m in info.modules) + ", ..."


# -- constructs ----------------------------------------------------------------------

def _simple_decorator(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


class _ConstructChecker(ast.NodeVisitor):
    """Finds syntax CPython accepts that MicroPython does not have (or runs differently)."""

    def __init__(self, mod: SourceModule, text: str, abi: str):
        self.mod = mod
        self.abi = abi
        self.name_escapes = "\\N{" in text
        self.lines = text.splitlines()
        self.found: list[Finding] = []

    def add(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 1)
        code = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.found.append(Finding(self.mod.relpath, line, getattr(node, "col_offset", 0),
                                  message, code))

    # statements
    def visit_Match(self, node: ast.AST) -> None:
        self.add(node, "MicroPython has no 'match' statement; write it as if/elif/else")
        self.generic_visit(node)

    def visit_TryStar(self, node: ast.AST) -> None:
        self.add(node, "MicroPython has no 'except*' (exception groups); use plain 'except'")
        self.generic_visit(node)

    def visit_TypeAlias(self, node: ast.AST) -> None:
        self.add(node, "MicroPython has no 'type' statement; write a plain assignment "
                       "(Name = int) or put it under 'if TYPE_CHECKING:'")

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.args.posonlyargs:
            self.add(node, f"function {node.name}() has positional-only parameters ('/'); "
                           "MicroPython does not support them: remove the '/'")
        if getattr(node, "type_params", None):
            self.add(node, f"function {node.name}() has type parameters ([T]); MicroPython "
                           "does not support them: remove them (use 'TypeVar' under "
                           "'if TYPE_CHECKING:')")
        self._decorators(node.decorator_list)
        self.generic_visit(node)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        if node.args.posonlyargs:
            self.add(node, "lambda with positional-only parameters ('/'); MicroPython does "
                           "not support them: remove the '/'")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if getattr(node, "type_params", None):
            self.add(node, f"class {node.name} has type parameters ([T]); MicroPython does "
                           "not support them: remove them")
        for kw in node.keywords:
            self.add(node, f"class {node.name}({kw.arg}=...): MicroPython classes take no "
                           "keyword arguments (no metaclasses); remove it")
        self._decorators(node.decorator_list)
        self.generic_visit(node)

    def _decorators(self, decorators: list[ast.expr]) -> None:
        for d in decorators:
            if not _simple_decorator(d):
                self.add(d, "MicroPython allows only a name, a dotted name or a call of one "
                            "as a decorator; assign the expression to a name first and "
                            "decorate with that name")

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        if self._parenthesized_items(node):
            self.add(node, "parenthesized context managers ('with (a as x, b as y):') are "
                           "not MicroPython syntax; drop the parentheses or nest the 'with's")
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self._with(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._with(node)

    def _parenthesized_items(self, node: ast.With | ast.AsyncWith) -> bool:
        first = node.items[0].context_expr
        last_item = node.items[-1]
        last = last_item.optional_vars or last_item.context_expr
        if last.end_lineno is None or last.end_col_offset is None:
            return False
        head = self._text(node.lineno, node.col_offset, first.lineno, first.col_offset)
        tail = self._text(last.end_lineno, last.end_col_offset, node.body[0].lineno, 0)
        head = head.split("with", 1)[-1]
        tail = tail.split(":", 1)[0]
        return "(" in head and ")" in tail and (len(node.items) > 1
                                                or last_item.optional_vars is not None)

    def _text(self, l1: int, c1: int, l2: int, c2: int) -> str:
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2] if l1 - 1 < len(self.lines) else ""
        parts = [self.lines[l1 - 1][c1:]] if l1 - 1 < len(self.lines) else []
        parts += self.lines[l1: l2 - 1]
        if l2 - 1 < len(self.lines):
            parts.append(self.lines[l2 - 1][:c2])
        return "\n".join(parts)

    # expressions
    def _displays(self, node: ast.List | ast.Tuple | ast.Set) -> None:
        if isinstance(node.ctx if hasattr(node, "ctx") else ast.Load(), ast.Load):
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    self.add(node, "MicroPython cannot unpack with '*' inside a list, tuple or "
                                   "set display; build it with + (list(a) + list(b)) instead")
                    break
        self.generic_visit(node)

    visit_List = _displays
    visit_Tuple = _displays
    visit_Set = _displays

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(k is None for k in node.keys):
            self.add(node, "MicroPython cannot unpack '**' inside a dict display; write "
                           "d = dict(a) then d.update(b)")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.add(node.target, "MicroPython has no asynchronous comprehensions "
                                  "('async for' inside [...]); write the loop out")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if (self.name_escapes and isinstance(node.value, str) and node.end_lineno is not None
                and node.end_col_offset is not None):
            text = self._text(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
            m = _STRING_START.match(text)
            if "\\N{" in text and not (m and "r" in m.group(1).lower()):
                self.add(node, "MicroPython's compiler has no \\N{...} (named unicode) "
                               "escapes; write the character itself, or \\u and its code")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # Not descending: nested f-strings sit inside this one's text.
        if node.end_lineno is None or node.end_col_offset is None:
            return
        text = self._text(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        info = fstring_info(text)
        if info.debug is not None:
            expr = info.debug.rstrip(" =")
            self.add(node, f"f-string '{{{info.debug}}}': MicroPython prints str() where "
                           f"CPython prints repr() for the '=' specifier; write "
                           f"'{expr}={{repr({expr})}}' to get the same output everywhere")
        if info.conversion == "a":
            self.add(node, "f-string conversion '!a': MicroPython has no ascii(); use "
                           "{repr(x)} instead")
        abi = self.abi
        if abi == "5":
            self.add(node, "f-strings need mpy ABI 6 or later (MicroPython 1.19+), and this "
                           "build is for ABI 5; use '...{}'.format(x) or a newer --abi")
            return
        if info.conversion in ("r", "s") and abi in ("6", "6.1"):
            self.add(node, f"f-string conversion '!{info.conversion}' needs mpy ABI 6.2 or "
                           f"later (Pybricks' compiler and MicroPython before 1.22 lack it), "
                           f"and this build is for ABI {abi}; write {{repr(x)}} (or "
                           "{str(x)}) instead of {x!r}")
        if abi in ("6", "6.1", "6.2"):
            if info.raw:
                self.add(node, f"raw f-strings (rf'...') need mpy ABI 6.3, and this build is "
                               f"for ABI {abi}; drop the r and double the backslashes")
            if info.f_parts > 1:
                self.add(node, f"f-strings written side by side (f'..' f'..') need mpy ABI "
                               f"6.3, and this build is for ABI {abi}; join them with + or "
                               "write one f-string")


_STRING_START = re.compile("([rRbBuUfF]{0,2})('\'\'|\"\"\"|'|\")")


class FStringInfo:
    """What an f-string literal (or a run of adjacent literals) holds."""

    def __init__(self) -> None:
        self.f_parts = 0  # how many of the adjacent literals are f-strings
        self.raw = False  # an rf'...' among them
        self.debug: str | None = None  # the first {expr=} field
        self.conversion: str | None = None  # the first !r / !s / !a conversion

    def __repr__(self) -> str:
        return (f"FStringInfo(f_parts={self.f_parts}, raw={self.raw}, debug={self.debug!r}, "
                f"conversion={self.conversion!r})")


def fstring_info(text: str) -> FStringInfo:
    """Scan the source text of an f-string expression (possibly several adjacent literals)."""
    info = FStringInfo()
    i, n = 0, len(text)
    while i < n:
        m = _STRING_START.match(text, i)
        if m is None:
            i += 1
            continue
        prefix, quote = m.group(1).lower(), m.group(2)
        i = m.end()
        is_f = "f" in prefix
        if is_f:
            info.f_parts += 1
            info.raw = info.raw or "r" in prefix
        while i < n and not text.startswith(quote, i):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if is_f and c == "{":
                if text.startswith("{{", i):
                    i += 2
                    continue
                i = _scan_field(text, i + 1, info)
                continue
            i += 1
        i += len(quote)
    return info


def fstring_debug_field(text: str) -> str | None:
    """The first ``{expr=}`` replacement field in the f-string literal(s) ``text``, or None."""
    return fstring_info(text).debug


def _scan_field(text: str, i: int, info: FStringInfo) -> int:
    """Scan one replacement field from just after its '{'; the index after its '}'."""
    start, depth, n = i, 0, len(text)
    expr_end = None
    while i < n:
        c = text[i]
        if c in "'\"":
            q = text[i: i + 3] if text.startswith(c * 3, i) else c
            j = text.find(q, i + len(q))
            i = n if j < 0 else j + len(q)
            continue
        if expr_end is None:
            if c in "([{":
                depth += 1
            elif c in ")]" or (c == "}" and depth > 0):
                depth -= 1
            elif depth == 0 and (c == "}" or c == ":" or (c == "!" and text[i + 1: i + 2] != "=")):
                expr_end = i
                if c == "!" and info.conversion is None:
                    info.conversion = text[i + 1: i + 2]
                if c == "}":
                    break
        else:  # in the conversion or format spec: skip nested {...}
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    break
                depth -= 1
        i += 1
    end = min(i + 1, n)
    if expr_end is not None:
        expr = text[start:expr_end]
        stripped = expr.rstrip()
        if (stripped.endswith("=") and not stripped.endswith(("==", "!=", "<=", ">="))
                and info.debug is None):
            info.debug = expr.strip()
    return end


#: Bump when the construct checks change (cached results would be stale).
CHECKS_FORMAT = "7"


def check_constructs(mod: SourceModule, abi: str = "6.3",
                     cache: Cache | None = None) -> list[Finding]:
    """Constructs of ``mod`` that MicroPython lacks or runs differently (some only on
    older compilers: ``abi``), and names its standard modules lack (:mod:`.stdnames`).
    With a ``cache``, a source checked before is not parsed again."""
    tree = mod.tree
    if tree is None:
        return []

    def compute() -> list[list[Any]]:
        checker = _ConstructChecker(mod, mod.source.decode("utf-8", "replace"), abi)
        try:
            checker.visit(tree)
            checker.found += stdnames.findings(mod, tree)  # math.hypot and the like
        except RecursionError:
            raise too_deep(mod, tree) from None
        return [list(f[1:]) for f in checker.found]

    return analysed(cache, ("constructs", CHECKS_FORMAT, abi, mod.source), compute,
                    lambda data: [Finding(mod.relpath, *f) for f in data])


def check_graph(graph: ImportGraph, target: str, abi: str = "6.3",
                cache: Cache | None = None, robot: Any = None) -> list[Finding]:
    """All source checks over the program's own modules; for a Pybricks hub (or the
    simulator playing one), also what its firmware lacks (:mod:`.hubnames`: for the hub
    ``robot``'s file or the program names)."""
    from .hubnames import hub_findings, program_hubs
    from .localnames import missing_names

    found = check_imports(graph, target) + missing_names(graph, cache)
    for mod in graph.modules:
        found += check_constructs(mod, abi, cache)
    info = target_info(target)
    # (the sim target plays a Pybricks hub for a program that imports pybricks; an EV3
    # program, Pybricks 2.x on a full MicroPython, lacks none of it)
    if (info.family == "pybricks" or (info.name == "sim" and any(
            s.top == "pybricks" and s.runtime and not s.optional for _m, s in graph.external))
            ) and _ev3_finding(graph) is None:
        found += hub_findings(graph, program_hubs(graph, robot), cache)
    return found


# -- syntax errors -------------------------------------------------------------------


def syntax_error(relpath: str, source: bytes, line: int, col: int | None, message: str,
                 *, by: str, python: str | None = None, what: str = "syntax error",
                 also: str | None = None) -> ProgramError:
    """A ProgramError for a syntax error: file:line, the message, the line and a caret."""
    lines = source.decode("utf-8", "replace").splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    if col is None or col < 1:
        caret = 0
    else:
        caret = max(0, min(col - 1 - indent, len(stripped)))
    out = f"{relpath}:{line}: {what} ({by}): {message}"
    if stripped:
        out += f"\n    {stripped.rstrip()}\n    {' ' * caret}^"
    if python and python != message:
        out += f"\nPython says: {python}"
    if also:
        out += f"\n{also}"
    out += "\nfix the code at the caret (or the end of the line before it) and compile again"
    return ProgramError(out, file=relpath, line=line)


# -- robot ---------------------------------------------------------------------------


def check_robot_ports(robot: dict[str, Any], source: str | None = None) -> None:
    """A device on a port the configured hub does not have (robot.toml); ConfigError."""
    from ..errors import ConfigError

    hub = robot.get("hub", {}).get("type", "PrimeHub")
    ports = HUB_PORTS.get(hub)
    if ports is None:
        return
    text = ""
    if source is not None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    for name, dev in robot.get("devices", {}).items():
        port = dev.get("port")
        if isinstance(port, str) and port not in ports:
            where = source or "robot config"
            line = _line_of(text, f"devices.{name}", "port")
            if line:
                where += f":{line}"
            raise ConfigError(f"{where}: devices.{name}.port: the hub ({hub}) has no port {port} "
                              f"(its ports are {', '.join(ports)}); move the {dev.get('type')} "
                              f"to a free port of the hub, or set hub.type to the hub you have")


def _line_of(text: str, table: str, key: str) -> int | None:
    lines = text.splitlines()
    head = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
    for i, line in enumerate(lines):
        if head.match(line):
            for j in range(i + 1, len(lines)):
                if lines[j].lstrip().startswith("["):
                    break
                if re.match(r"^\s*" + re.escape(key) + r"\s*=", lines[j]):
                    return j + 1
            return i + 1
    return None


# -- size ----------------------------------------------------------------------------


def upload_size(bundle: Bundle) -> int:
    """Bytes that go to the brick: Pybricks' multi-file blob for a Pybricks hub
    (no sources, no manifest), the bundle file for the others."""
    if bundle.target == "pybricks":
        return sum(4 + len(m.name.encode()) + 1 + len(m.mpy) for m in bundle.modules)
    return len(bundle.to_bytes())


def check_size(bundle: Bundle, max_size: int | None = None, prefix: str = "") -> int:
    """Refuse a bundle larger than the target's program memory, naming the largest
    modules.  Returns the size; ``max_size`` overrides the target's limit; ``prefix``
    leads the program's paths in the message (the project folder as the user named it)."""
    info = target_info(bundle.target)
    limit = max_size if max_size is not None else info.max_size
    size = upload_size(bundle)
    if limit is None or size <= limit:
        return size
    with_sources = bundle.target != "pybricks"

    def weight(m: Any) -> int:
        return len(m.mpy) + (len(m.source) if with_sources and m.source is not None else 0)

    # The program's own modules by size, robokit's as one sum: the program cannot make
    # those smaller, and a robokit file is no place to send the user to.
    own = [m for m in bundle.modules if not m.path.startswith("<")]
    robokit_bytes = sum(weight(m) for m in bundle.modules if m.path.startswith("<"))
    largest = sorted(own or bundle.modules, key=lambda m: (-weight(m), m.name))[:3]
    def shown(m: Any) -> str:
        return m.path if m.path.startswith("<") else prefix + m.path

    names = ", ".join(f"{shown(m)} ({weight(m):,} bytes)" for m in largest)
    if robokit_bytes and own:
        names += f"; robokit's own modules, which it imports: {robokit_bytes:,} bytes"
    hints = []
    if with_sources and any(m.source is not None for m in bundle.modules):
        stripped = upload_size(bundle.stripped())
        if stripped <= limit:
            hints.append(f"compile with --strip-source ({stripped:,} bytes without sources)")
        else:
            hints.append("compile with --strip-source")
    hints.append("make the largest modules smaller or leave out what the program does "
                 "not use")
    first = shown(largest[0])
    raise CheckError(
        f"{first}: the program is {size:,} bytes, more than {info.description} holds "
        f"({limit:,} bytes); largest modules: {names}. To fix: {'; or '.join(hints)}"
        + ("" if max_size is not None else " (if your brick has more room, pass --max-size)"),
        file=first)
