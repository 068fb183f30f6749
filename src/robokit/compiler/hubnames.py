"""What Pybricks firmware leaves out of MicroPython, hub by hub, for the check.

Pybricks builds its firmware (v3.x) with some of MicroPython's builtins turned off to save
flash. A program that uses one passes the simulator, whose Pybricks hub runs on a full
MicroPython (or CPython), and stops on a real hub with ``NameError``, ``AttributeError`` or
``ImportError``. :func:`hub_findings` names each such use at its line, for the hubs the
program can run on.

The facts come from the firmware's configuration (pybricks-micropython's
``bricks/_common/mpconfigport.h``, with each hub's ``bricks/<hub>/mpconfigport.h``
choosing ``PYBRICKS_OPT_FLOAT``, ``PYBRICKS_OPT_EXTRA_LEVEL1`` and
``PYBRICKS_OPT_EXTRA_LEVEL2``), and agree with docs.pybricks.com's builtins page, whose
"stm32-extra" and "stm32-float" features every hub but the Move Hub has:

* on every hub: no ``filter``, ``frozenset``, ``property`` (``MICROPY_PY_BUILTINS_*``
  0), no ``sys.exit`` and no ``sys.modules`` (``MICROPY_PY_SYS_EXIT``,
  ``MICROPY_PY_SYS_MODULES`` 0), no ``bytes.decode`` and ``str.encode``
  (``MICROPY_CPYTHON_COMPAT`` 0, which MicroPython's ``objstr.c`` puts them under);
* ``memoryview`` only with ``EXTRA_LEVEL2``, which the Prime, Inventor and Essential
  hubs' files turn on (the City and Technic hubs' stored files predate the two levels: they
  are taken to be without it, as the smaller-flash hubs);
* on the Move Hub (neither level, no float): no ``set`` (on the other hubs since Pybricks
  3.3: the firmware's changelog), ``reversed``, ``enumerate``,
  ``bytearray``, ``slice`` (nor slicing, ``x[1:3]``), ``input``, ``help``, no floats
  (``float``, ``complex``, ``0.5``, ``/``), and of the MicroPython modules only ``errno``
  (``uerrno``): no ``sys``, ``math``, ``random``, ``struct``, ``json``, ``io``,
  ``select`` or ``micropython``.

``sorted``, ``min``/``max`` (with ``key=``), ``zip``, ``map``, ``getattr``, ``str.format``
and ``%`` formatting are on every hub. The hub a program runs on is known from the
``pybricks.hubs`` classes it imports (``from pybricks.hubs import PrimeHub``) and from its
robot file's ``[hub] type``. A program that names none may be for any hub (the simulator
plays a Prime Hub for it): it is judged only on what every hub lacks. Each finding names
the hubs that lack what it uses.

What the firmware never runs is not judged: annotations (MicroPython compiles a program
without them, so ``def f(v: float) -> set`` runs on a Move Hub) and ``.decode()`` or
``.encode()`` on what is not known to be ``bytes`` or ``str`` (:func:`_texts`: a method of
the program's own class, ``PUPRemote.decode``, is no ``bytes.decode``).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import Cache, analysed
from .imports import Finding, ImportGraph, SourceModule
from .stdnames import _Walker

#: Bump when what :func:`_uses` finds changes (its results are cached per source).
FORMAT = "2"

#: The Pybricks hubs (robot.toml's ``hub.type``, the ``pybricks.hubs`` classes) and how a
#: message names them.
HUBS: dict[str, str] = {
    "MoveHub": "Move Hub", "CityHub": "City Hub", "TechnicHub": "Technic Hub",
    "PrimeHub": "Prime Hub", "InventorHub": "Inventor Hub", "EssentialHub": "Essential Hub",
}
EVERY = tuple(HUBS)
#: Hubs built without ``PYBRICKS_OPT_EXTRA_LEVEL2``.
NO_LEVEL2 = ("MoveHub", "CityHub", "TechnicHub")
#: Hubs built without ``PYBRICKS_OPT_EXTRA_LEVEL1`` and ``PYBRICKS_OPT_FLOAT``.
MOVE = ("MoveHub",)

_NO_FLOAT = ("the Move Hub's firmware has no floating-point numbers: compute in whole "
             "numbers (millimetres, degrees, per mille) with // and %")

#: Builtins some hubs' firmware lacks: the name -> (the hubs, what to write instead).
BUILTINS: dict[str, tuple[tuple[str, ...], str]] = {
    "filter": (EVERY, "write a list comprehension: [x for x in items if keep(x)]"),
    "frozenset": (EVERY, "use a tuple for a fixed group tested with 'in': x in (1, 2, 3)"),
    "property": (EVERY, "write a method and call it (def speed(self): return self._speed), "
                        "or keep a plain attribute"),
    "memoryview": (NO_LEVEL2, "slice the bytes or bytearray (a copy) instead"),
    "set": (MOVE, "keep the items as a dict's keys (seen[x] = True; x in seen) or in a "
                  "list"),
    "reversed": (MOVE, "index from the end: for i in range(len(items) - 1, -1, -1)"),
    "enumerate": (MOVE, "count with an index: for i in range(len(items)), items[i]"),
    "bytearray": (MOVE, "use bytes, or a list of ints"),
    "slice": (MOVE, "index item by item in a loop"),
    "input": (MOVE, "the Move Hub reads nothing from the computer: set the value in the "
                    "program"),
    "help": (MOVE, "remove it"),
    "float": (MOVE, _NO_FLOAT),
    "complex": (MOVE, _NO_FLOAT),
}

#: Names of ``sys`` (``usys``) no hub's firmware has, and what to write instead.
SYS_NAMES: dict[str, str] = {
    "exit": "end the program with raise SystemExit (or raise SystemExit(code))",
    "modules": "import the module by name; a hub keeps no table of them",
}

#: Methods of ``bytes`` and ``str`` no hub's firmware has (built without
#: ``MICROPY_CPYTHON_COMPAT``), and what to write instead.
METHODS: dict[str, str] = {
    "decode": "write str(data, 'utf-8')",
    "encode": "write bytes(text, 'utf-8')",
}

_NOTHING = "the Move Hub's firmware has none of it: remove the import and what uses it"
#: MicroPython modules the Move Hub's firmware lacks (every other hub has them), with
#: what to write instead.
MOVE_MODULES: dict[str, str] = {
    "sys": "print() writes to the computer; end the program with raise SystemExit",
    "math": _NO_FLOAT,
    "random": "the Move Hub has no random numbers: take one from a StopWatch's time() % n",
    "micropython": "write the number itself instead of const(...)",
    "struct": _NOTHING, "json": _NOTHING, "io": _NOTHING, "select": _NOTHING,
}
_U_MODULES = {**{m: m for m in MOVE_MODULES}, **{"u" + m: m for m in MOVE_MODULES
                                                  if m != "micropython"}}

#: A use the check judges: (kind, name, line, col), where kind is "builtin" (a builtin
#: read by name), "sys" (``sys.exit``; "sys-import": ``from sys import exit``), "method"
#: (``data.decode``), "module" (an import of a module the Move Hub lacks), "slice"
#: (``x[a:b]``) or "float" (name "literal": a float literal; "division": ``/``).
Use = tuple[str, str, int, int]


def program_hubs(graph: ImportGraph, robot: str | Path | dict[str, Any] | None = None
                 ) -> tuple[str, ...] | None:
    """The hubs the program is for: the ``pybricks.hubs`` classes its modules import, and
    the robot file's ``[hub] type`` (``robot``, else robot.toml beside the program) when it
    names one; None when neither names a Pybricks hub (the program is judged for all). A
    class imported in a ``try`` that catches the ImportError names no hub: the program
    tries each hub it may run on (``try: from pybricks.hubs import MoveHub``) and goes on
    on the one it finds."""
    named: set[str] = set()
    for mod in graph.modules:
        for site in mod.imports:
            if site.module == "pybricks.hubs" and site.runtime and not site.optional:
                named.update(n for n in site.names if n in HUBS)
    configured = _configured_hub(graph, robot)
    if configured in HUBS:
        named.add(configured)
    return tuple(h for h in HUBS if h in named) or None


def _configured_hub(graph: ImportGraph, robot: str | Path | dict[str, Any] | None) -> Any:
    """The ``[hub] type`` the robot file (a path, one robokit ships by name, or the config
    itself) writes out, not its default; None for none, and for a file that does not read
    (loading the robot says what is wrong with it)."""
    if isinstance(robot, dict):
        data: Any = robot
    else:
        from ..config import builtin_robot_file, toml

        path = Path(robot) if robot is not None else graph.root / "robot.toml"
        if robot is not None and not path.exists():  # (one robokit ships, by name)
            path = builtin_robot_file(str(robot)) or path
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix.lower() == ".json" else toml().loads(text)
        except (OSError, UnicodeDecodeError, ValueError):  # (TOMLDecodeError is one)
            return None
    hub = data.get("hub") if isinstance(data, dict) else None
    return hub.get("type") if isinstance(hub, dict) else None


def hub_findings(graph: ImportGraph, hubs: tuple[str, ...] | None,
                 cache: Cache | None = None) -> list[Finding]:
    """Each use, in the program's modules, of what the firmware of one of ``hubs`` (None:
    any hub) lacks, at its line, naming those hubs and what to write instead."""
    out: list[Finding] = []
    for mod in graph.modules:
        lines = mod.source.decode("utf-8", "replace").splitlines()
        for kind, name, line, col in _cached_uses(mod, cache):
            lacking, what, instead, error = _fact(kind, name)
            if hubs is None and len(lacking) < len(EVERY):
                continue  # (a program for any hub: only what none of them has)
            on = [h for h in lacking if hubs is None or h in hubs]
            if not on:
                continue
            where = "every hub" if hubs is None else "the " + _joined([HUBS[h] for h in on])
            out.append(Finding(
                mod.relpath, line, col,
                f"{what} is not in Pybricks firmware (on {where}): {error} there, though "
                f"robokit's simulated hub has it; {instead}",
                lines[line - 1] if 0 < line <= len(lines) else ""))
    return out


def _fact(kind: str, name: str) -> tuple[tuple[str, ...], str, str, str]:
    """(the hubs lacking it, how the message names it, what to write, the error)."""
    if kind == "builtin":
        hubs, instead = BUILTINS[name]
        shown = name if name == "property" else f"{name}()"
        return hubs, shown, instead, "a NameError"
    if kind in ("sys", "sys-import"):
        attr = name.rsplit(".", 1)[-1]
        shown = name + ("()" if attr == "exit" else "")
        return EVERY, shown, SYS_NAMES[attr], \
            "an AttributeError" if kind == "sys" else "an ImportError"
    if kind == "method":
        return EVERY, f".{name}()", METHODS[name], "an AttributeError"
    if kind == "module":
        return MOVE, f"the module {name}", MOVE_MODULES[_U_MODULES[name]], "an ImportError"
    if kind == "slice":
        return MOVE, "slicing (x[a:b])", "index item by item in a loop", \
            "a NotImplementedError"
    shown = "a float number" if name == "literal" else "'/' (division to a float)"
    return MOVE, shown, _NO_FLOAT, "the hub cannot run it"


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _cached_uses(mod: SourceModule, cache: Cache | None) -> list[Use]:
    """:func:`_uses` of ``mod``, from the cache when its source was read before."""
    tree = mod.tree
    return analysed(cache, ("hub-names", FORMAT, mod.source),
                    lambda: [] if tree is None else _uses(tree),
                    lambda data: [(str(k), str(n), int(li), int(c)) for k, n, li, c in data])


class _HubWalker(_Walker):
    """The names, imports and attributes :class:`~.stdnames._Walker` collects, and the
    slices and floats the Move Hub's firmware has no code for."""

    def __init__(self) -> None:
        super().__init__()
        self.syntax: list[tuple[str, ast.AST]] = []

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        # (not the return annotation: MicroPython never evaluates it; a parameter's
        # annotation visit_arg leaves alone already)
        self.rebound.add(node.name)
        for field, value in ast.iter_fields(node):
            if field != "returns":
                self._visit_field(value)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._visit_field(node.target)  # (``x: float = 2``: an int on the hub)
        self._visit_field(node.value)

    def _visit_field(self, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.AST):
                self.visit(item)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in METHODS and isinstance(node.ctx, ast.Load) and not self._guarded:
            self.syntax.append(("method", node))
        super().visit_Attribute(node)

    def visit_Slice(self, node: ast.Slice) -> None:
        if not self._guarded:
            self.syntax.append(("slice", node))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, (float, complex)) and not self._guarded:
            self.syntax.append(("literal", node))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Div) and not self._guarded:
            self.syntax.append(("division", node))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.op, ast.Div) and not self._guarded:
            self.syntax.append(("division", node))
        self.generic_visit(node)


def _uses(tree: ast.Module) -> list[Use]:
    """Every use in ``tree`` of a builtin, ``sys`` name, module or construct some hub's
    firmware lacks: a builtin only where the module does not bind the name itself (a def,
    an assignment, an import of it), none inside a ``try`` that catches the error it would
    raise (a program that tries and falls back), and no builtin at all in a module with a
    ``from x import *`` (whose names are not known here)."""
    walker = _HubWalker()
    walker.visit(tree)
    out: list[Use] = []

    def add(kind: str, name: str, node: ast.AST) -> None:
        out.append((kind, name, getattr(node, "lineno", 1), getattr(node, "col_offset", 0)))

    if not walker.star:
        for node in walker.names:
            if node.id in BUILTINS and node.id not in walker.rebound \
                    and node.id not in walker.imported:
                add("builtin", node.id, node)
    sys_names: set[str] = set()  # the program's names for sys
    for imp, guarded in walker.imports:
        if isinstance(imp, ast.Import):
            for a in imp.names:
                if a.name in ("sys", "usys"):
                    sys_names.add(a.asname or a.name)
                if a.name in _U_MODULES and not guarded:
                    add("module", a.name, imp)
        elif imp.level == 0 and imp.module is not None and not guarded:
            if imp.module in _U_MODULES:
                add("module", imp.module, imp)
            if imp.module in ("sys", "usys"):
                for a in imp.names:
                    if a.name in SYS_NAMES:
                        add("sys-import", f"{imp.module}.{a.name}", imp)
    sys_names -= walker.rebound
    for attr in walker.attributes:
        value = attr.value
        if isinstance(value, ast.Name) and value.id in sys_names and attr.attr in SYS_NAMES:
            add("sys", f"{value.id}.{attr.attr}", attr)
    texts = _texts(tree, sys_names)
    for name, at in walker.syntax:
        if name == "method":
            assert isinstance(at, ast.Attribute)
            if texts(at.value):  # (not a method of some other object: PUPRemote.decode)
                add("method", at.attr, _dot(at))
        else:
            add("slice" if name == "slice" else "float", name, at)
    return sorted(out, key=lambda u: (u[2], u[3]))


#: Builtins whose call makes a ``str`` or ``bytes``, and ``str`` methods that return one.
_TEXT_CALLS = frozenset({"str", "bytes", "bytearray", "repr", "chr", "hex", "oct", "bin"})
_TEXT_METHODS = frozenset({"format", "join", "strip", "lstrip", "rstrip", "lower", "upper",
                           "replace"})


def _texts(tree: ast.Module, sys_names: set[str]) -> Callable[[ast.expr], bool]:
    """A test of whether an expression is known to be a ``str`` or ``bytes``: a literal,
    an f-string, ``str(...)`` and the like, ``%``, ``+`` or a ``str`` method on one, a read
    of the hub's ``stdin`` (``stdin.buffer.read(3)``), or a name of the module that every
    binding of gives one of these (``data = b'hi'``). Anything else (a parameter, a
    method's result, ``uart.read()``) may be any object: not judged."""
    binds: dict[str, int] = {}  # every binding of each name (assignment, def, import, ...)
    made: dict[str, list[ast.expr]] = {}  # the values of its plain assignments
    stdin: dict[str, int] = {}  # its bindings to sys.stdin (``from usys import stdin``)

    def bind(name: str) -> None:
        binds[name] = binds.get(name, 0) + 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bind(node.id)
        elif isinstance(node, ast.arg):
            bind(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                name = a.asname or a.name.split(".")[0]
                bind(name)
                if isinstance(node, ast.ImportFrom) and node.module in ("sys", "usys") \
                        and a.name == "stdin":
                    stdin[name] = stdin.get(name, 0) + 1
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and \
                node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    made.setdefault(target.id, []).append(node.value)

    def is_stdin(e: ast.expr) -> bool:
        if isinstance(e, ast.Name):
            return e.id in stdin and stdin[e.id] == binds.get(e.id)
        return isinstance(e, ast.Attribute) and e.attr == "stdin" and \
            isinstance(e.value, ast.Name) and e.value.id in sys_names

    def known(e: ast.expr, seen: frozenset[str]) -> bool:
        if isinstance(e, ast.Constant):
            return isinstance(e.value, (str, bytes))
        if isinstance(e, ast.JoinedStr):
            return True
        if isinstance(e, ast.BinOp):
            return known(e.left, seen) or (isinstance(e.op, ast.Add)
                                          and known(e.right, seen))
        if isinstance(e, ast.Call):
            f = e.func
            if isinstance(f, ast.Name):
                return f.id in _TEXT_CALLS and f.id not in binds
            if isinstance(f, ast.Attribute):
                if f.attr in ("read", "readline"):  # stdin.read(1), stdin.buffer.read(3)
                    v = f.value
                    return is_stdin(v.value if isinstance(v, ast.Attribute) and
                                    v.attr == "buffer" else v)
                return f.attr in _TEXT_METHODS and known(f.value, seen)
            return False
        if isinstance(e, ast.Name) and e.id not in seen:
            values = made.get(e.id, [])
            return bool(values) and len(values) == binds.get(e.id) and \
                all(known(v, seen | {e.id}) for v in values)
        return False

    return lambda e: known(e, frozenset())


def _dot(node: ast.Attribute) -> ast.AST:
    """Where ``x.decode`` is shown: at its dot, when the attribute ends on its line."""
    at = ast.Pass()
    at.lineno = node.lineno
    at.col_offset = node.col_offset
    if node.end_lineno == node.lineno and node.end_col_offset is not None:
        at.col_offset = node.end_col_offset - len(node.attr) - 1
    return at
