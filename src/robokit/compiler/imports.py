"""The program's import graph, found by reading the source with :mod:`ast` (never running it).

Starting from the entry file, every import is resolved against the project
folder (the entry file's folder, or the project folder given).  An import is
*local* when the project folder holds it, the way CPython would find it with
the entry's folder first on ``sys.path``:

* ``name/__init__.py``  a package,
* ``name.py``           a module,
* ``name/``             a namespace package (a folder without ``__init__.py``
  that holds Python files); it becomes an empty package module in the bundle.

Followed: ``import a.b.c`` (``a``, ``a.b`` and ``a.b.c``), ``from a.b import c``
(and ``a.b.c`` when that is a module), relative imports (``from . import x``,
``from ..pkg import y``), imports inside functions, classes and ``try`` blocks.
Not followed: imports under ``if TYPE_CHECKING:`` (they never run), and
``robokit`` (robokit's own modules are added to the bundle from the installed
package, never from the project).  Every other import is *external*: the checks
decide whether the target has it.

Nothing here raises on a problem in the program; problems are collected as
:class:`Finding` (file, line, column, message) for the checks to report, and a
module that does not parse carries its :class:`SyntaxError`.
"""

from __future__ import annotations

import ast
import unicodedata
import warnings
from pathlib import Path
from typing import Any, NamedTuple

from .._files import shown_path
from ..errors import ProgramError
from .cache import Cache, analysed
from .finder import PROVIDED, Finder

ENTRY = "__main__"


class Finding(NamedTuple):
    """One problem in the program: where it is and what to do about it."""

    file: str  # relative path, forward slashes
    line: int
    col: int  # 0-based, like ast
    message: str  # what is wrong; then "; " and how to fix it
    code: str = ""  # the source line, shown under the message with a caret

    def format(self) -> str:
        out = f"{self.file}:{self.line}: {self.message}"
        if self.code.strip():
            stripped = self.code.strip()
            indent = len(self.code) - len(self.code.lstrip())
            caret = max(0, min(self.col - indent, len(stripped) - 1))
            out += f"\n    {stripped}\n    {' ' * caret}^"
        return out


def source_line(source: bytes, line: int) -> str:
    """Line ``line`` (1-based) of ``source``, decoded; "" if there is none."""
    lines = source.split(b"\n")
    if 0 < line <= len(lines):
        return lines[line - 1].decode("utf-8", "replace").rstrip("\r")
    return ""


class ImportSite(NamedTuple):
    """One ``import``/``from ... import`` statement (one name of it, for ``import a, b``)."""

    module: str  # absolute dotted name ("" never: relative ones are resolved)
    names: tuple[str, ...]  # the names of a from-import (``("*",)`` for a star import)
    line: int
    col: int
    level: int = 0  # dots of a relative import
    runtime: bool = True  # False under ``if TYPE_CHECKING:`` / ``if False:``
    optional: bool = False  # inside ``try:`` whose handler catches ImportError
    in_function: bool = False

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]


class SourceModule:
    """One module of the program, as read from the project folder."""

    def __init__(self, name: str, relpath: str, path: Path | None, is_package: bool,
                 source: bytes):
        self.name = name  # "__main__" for the entry, else the dotted name
        self.relpath = relpath  # path in the project, forward slashes (named in tracebacks)
        self.path = path  # the file; None for a namespace package (no file)
        self.is_package = is_package
        self.source = source
        self._tree: ast.Module | None = None
        self._parsed = False
        self.syntax_error: SyntaxError | None = None
        self.imports: list[ImportSite] = []

    @property
    def tree(self) -> ast.Module | None:
        """The parsed module (parsed on first use); None if it has a syntax error."""
        if not self._parsed:
            parse_module(self)
        return self._tree

    def __repr__(self) -> str:
        return f"<SourceModule {self.name} {self.relpath}>"


class ImportGraph:
    """The program's local modules (entry first, then by name) and what else they import."""

    def __init__(self, root: Path, entry: SourceModule, modules: list[SourceModule],
                 external: list[tuple[SourceModule, ImportSite]], findings: list[Finding]):
        self.root = root
        self.entry = entry
        self.modules = modules
        self.external = external  # imports not found in the project
        self.findings = findings  # local imports that cannot be resolved
        #: Every name looked for in the project folder and what was found (robokit's
        #: stored bundles check that each is still found the same).
        self.probes: dict[str, tuple[Path | None, bool, str] | None] = {}

    def module(self, name: str) -> SourceModule | None:
        for m in self.modules:
            if m.name == name:
                return m
        return None

    @property
    def imports_robokit(self) -> bool:
        return any(site.top == "robokit" and site.runtime for _, site in self.external)


def locate_program(program: str | Path) -> tuple[Path, Path]:
    """(project folder, entry file) for a .py file or a folder holding main.py."""
    p = Path(program)
    if p.is_dir():
        entry = p / "main.py"
        if not entry.is_file():
            raise ProgramError(f"{p}: a project folder needs a main.py to start from; "
                               "add one, or give the program file instead")
        return p.resolve(), entry.resolve()
    if not p.exists():
        raise ProgramError(f"{p}: no such program file or folder; check the path")
    if p.suffix == ".rkb":
        raise ProgramError(f"{p}: a built bundle, not a program to compile; give the .py "
                           f"program it was built from (robokit inspect {p} verifies the "
                           "bundle itself)")
    if p.suffix != ".py":
        raise ProgramError(f"{p}: not a Python file; robokit compiles .py programs "
                           "(or a folder with main.py)")
    p = p.resolve()
    return p.parent, p




def catches(handler: ast.ExceptHandler, names: tuple[str, ...]) -> bool:
    """Does ``handler`` (a bare ``except:`` does) catch an exception by one of ``names``?"""
    t = handler.type
    if t is None:
        return True
    for n in t.elts if isinstance(t, ast.Tuple) else [t]:
        ident = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
        if ident in names:
            return True
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    return catches(handler, ("ImportError", "ModuleNotFoundError", "Exception",
                             "BaseException"))


def is_type_checking_guard(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:``, ``if typing.TYPE_CHECKING:`` or ``if False:``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return isinstance(test, ast.Constant) and test.value is False


class _ImportCollector(ast.NodeVisitor):
    """Collects every import with its context (runtime, optional, in a function)."""

    def __init__(self, package: str, is_entry: bool):
        self.package = package  # the package relative imports start from
        self.is_entry = is_entry
        self.sites: list[ImportSite] = []
        self.problems: list[tuple[int, int, str]] = []
        self._runtime = True
        self._optional = False
        self._in_function = False

    def _site(self, node: ast.stmt, module: str, names: tuple[str, ...], level: int) -> None:
        self.sites.append(ImportSite(module, names, node.lineno, node.col_offset, level,
                                     self._runtime, self._optional, self._in_function))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._site(node, alias.name, (), 0)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(a.name for a in node.names)
        if node.level == 0:
            self._site(node, node.module or "", names, 0)
            return
        if self.is_entry or not self.package:
            self.problems.append((node.lineno, node.col_offset,
                                  "relative import in a top-level module (there is no package "
                                  "to be relative to); write the absolute import, "
                                  f"e.g. 'from {node.module or 'mymodule'} import ...'"))
            return
        parts = self.package.split(".")
        if node.level > len(parts):
            self.problems.append((node.lineno, node.col_offset,
                                  f"relative import goes {node.level} levels up, beyond the "
                                  f"top of package {parts[0]!r}; use fewer dots"))
            return
        base = ".".join(parts[: len(parts) - node.level + 1])
        module = base + ("." + node.module if node.module else "")
        self._site(node, module, names, node.level)

    def _visit_function(self, node: ast.AST) -> None:
        saved = self._in_function
        self._in_function = True
        self.generic_visit(node)
        self._in_function = saved

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function
    visit_Lambda = _visit_function

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking_guard(node.test):
            saved = self._runtime
            self._runtime = False
            for stmt in node.body:
                self.visit(stmt)
            self._runtime = saved
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        if any(_catches_import_error(h) for h in node.handlers):
            saved = self._optional
            self._optional = True
            for stmt in node.body:
                self.visit(stmt)
            self._optional = saved
            for other in (*node.handlers, *node.orelse, *node.finalbody):
                self.visit(other)
        else:
            self.generic_visit(node)

    def visit_TryStar(self, node: Any) -> None:  # ``except*`` (3.11+)
        self.visit_Try(node)


def parse_module(mod: SourceModule) -> None:
    """Parse ``mod.source`` into ``mod.tree`` (or set ``mod.syntax_error``); a ProgramError
    for a module nested too deeply for Python's parser (:func:`too_deep`)."""
    mod._parsed = True
    try:
        with warnings.catch_warnings():
            # CPython's SyntaxWarnings (e.g. "\d" escapes) are not ours to print.
            warnings.simplefilter("ignore")
            mod._tree = ast.parse(mod.source, filename=mod.relpath)
    except SyntaxError as exc:
        mod.syntax_error = exc
    except ValueError as exc:  # e.g. NUL bytes in the source
        err = SyntaxError(str(exc))
        err.filename, err.lineno, err.offset = mod.relpath, 1, 1
        mod.syntax_error = err
    except RecursionError:
        raise too_deep(mod, None) from None


def _nested_run(tree: ast.AST) -> int | None:
    """The line where the longest run of nodes of one kind, each inside the one before,
    starts (an ``if``/``elif`` chain, a sum of many terms); found without recursion."""
    best, best_line = 0, None
    stack: list[tuple[ast.AST, type | None, int, int | None]] = [(tree, None, 0, None)]
    while stack:
        node, parent, run, start = stack.pop()
        if type(node) is parent:
            run += 1
        else:
            run, start = 1, getattr(node, "lineno", start)
        if run > best:
            best, best_line = run, start
        stack.extend((child, type(node), run, start) for child in ast.iter_child_nodes(node))
    return best_line


def too_deep(mod: SourceModule, tree: ast.AST | None) -> ProgramError:
    """The error for a module whose code nests deeper than robokit's checks (which walk
    it with Python's recursion) can follow: mpy-cross compiles it, robokit cannot check it."""
    shown = shown_path(mod.path) if mod.path is not None else mod.relpath
    line = _nested_run(tree) if tree is not None else None
    where = f"{shown}:{line}" if line is not None else shown
    return ProgramError(
        f"{where}: nested too deeply for robokit to check (hundreds of levels: a long "
        "if/elif chain, or an expression of hundreds of terms or brackets); split it up: "
        "look the value up in a dict or a list instead of a long elif chain, add a long "
        "sum up in a loop", file=shown, line=line)


def _read(path: Path) -> bytes:
    """The source at ``path``; a ProgramError names the file as the user gave its path
    (``subs/a.py``), as a syntax error does."""
    relpath = shown_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProgramError(f"{relpath}: cannot read it ({exc.strerror}); check the file's "
                           "permissions", file=relpath) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        raise ProgramError(f"{relpath}:1: the file starts with a UTF-8 byte-order mark; save it "
                           "without one", file=relpath, line=1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProgramError(f"{relpath}:{line}: not UTF-8 text; save the file as UTF-8 "
                           "(MicroPython reads source as UTF-8)", file=relpath, line=line) from exc
    return data


#: Bump when what :func:`_analyse` stores changes.
ANALYSIS_FORMAT = "1"


def _analyse(mod: SourceModule, cache: Cache | None
             ) -> tuple[list[ImportSite], list[tuple[int, int, str]]] | None:
    """The module's imports and relative-import problems, from the cache when its
    source was seen before (no parsing then); None if it does not parse."""
    tree = mod.tree
    if tree is None:
        return None

    def compute() -> dict[str, Any]:
        package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
        collector = _ImportCollector(package, mod.name == ENTRY)
        try:
            collector.visit(tree)
        except RecursionError:
            raise too_deep(mod, tree) from None
        return {"sites": [list(s) for s in collector.sites], "problems": collector.problems}

    def load(data: Any) -> tuple[list[ImportSite], list[tuple[int, int, str]]]:
        return ([ImportSite(s[0], tuple(s[1]), *s[2:]) for s in data["sites"]],
                [(int(p[0]), int(p[1]), str(p[2])) for p in data["problems"]])

    return analysed(cache, ("imports", ANALYSIS_FORMAT, mod.name, str(mod.is_package),
                            mod.source), compute, load)


def _non_ascii_module(name: str) -> str:
    """The finding for a local module whose name is not ASCII (the entry file's own
    name may be anything: it is stored as the entry, never imported by name)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii())
    path = name.replace(".", "/")
    hint = f" (e.g. {plain!r})" if plain and all(p.isidentifier() for p in plain.split(".")) \
        else ""
    return (f"module {name!r} has non-ASCII letters in its name, and robokit stores a "
            f"program's modules under ASCII names (letters, digits and _); rename {path}.py "
            f"or {path}/ to an ASCII name{hint} and import it by that name")


def find_imports(program: str | Path, cache: Cache | None = None) -> ImportGraph:
    """Read the entry module and every local module it imports, transitively.

    With a ``cache``, a module whose source was analysed before is not parsed again.
    """
    root, entry_path = locate_program(program)
    finder = Finder(root)
    entry_rel = entry_path.relative_to(root).as_posix()
    entry = SourceModule(ENTRY, entry_rel, entry_path, False, _read(entry_path))
    modules: dict[str, SourceModule] = {ENTRY: entry}
    external: list[tuple[SourceModule, ImportSite]] = []
    findings: list[Finding] = []
    queue = [entry]

    def want(name: str) -> SourceModule | None:
        if name in modules:
            return modules[name]
        hit = finder.find(name)
        if hit is None:
            return None
        path, is_pkg, rel = hit
        src = _read(path) if path is not None else b""
        m = SourceModule(name, rel, path, is_pkg, src)
        modules[name] = m
        queue.append(m)
        return m

    while queue:
        mod = queue.pop(0)
        analysed = _analyse(mod, cache)
        if analysed is None:
            continue
        mod.imports, problems = analysed
        for line, col, msg in problems:
            findings.append(Finding(mod.relpath, line, col, msg, source_line(mod.source, line)))
        for site in mod.imports:
            if not site.runtime:
                continue
            if site.level == 0 and (site.top in PROVIDED or finder.find(site.top) is None):
                external.append((mod, site))
                continue
            if not site.module.isascii():
                findings.append(Finding(mod.relpath, site.line, site.col,
                                        _non_ascii_module(site.module),
                                        source_line(mod.source, site.line)))
                continue
            # Local: the module itself and every package on the way to it.
            parts = site.module.split(".")
            for i in range(1, len(parts) + 1):
                name = ".".join(parts[:i])
                if want(name) is None:
                    if site.optional:
                        break  # the program's own fallback: its except ImportError runs
                    parent = ".".join(parts[: i - 1])
                    where = f"package {parent!r} ({parent.replace('.', '/')}/)"
                    findings.append(Finding(
                        mod.relpath, site.line, site.col,
                        f"no module {name!r}: {where} has no {parts[i - 1]}.py and no "
                        f"{parts[i - 1]}/ folder; check the spelling or add the file",
                        source_line(mod.source, site.line)))
                    break
            else:
                target = modules[site.module]
                if target.is_package:
                    for n in site.names:
                        sub = f"{site.module}.{n}"
                        if n != "*" and not n.isascii() and finder.find(sub) is not None:
                            findings.append(Finding(mod.relpath, site.line, site.col,
                                                    _non_ascii_module(sub),
                                                    source_line(mod.source, site.line)))
                        elif n != "*":
                            want(sub)  # a submodule, if there is one
    ordered = [entry] + sorted((m for m in modules.values() if m is not entry),
                               key=lambda m: m.name)
    graph = ImportGraph(root, entry, ordered, external, findings)
    graph.probes = finder.probes
    return graph
