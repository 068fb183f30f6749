"""``from helpers import drive_sqaure``: a name the program's own module does not have.

Python and MicroPython both stop such an import with ``ImportError`` when it runs; the
check finds it first, at its line, with the closest name the module has. A module is
judged only when every name it binds can be seen in its source: one with a star import,
a module-level ``__getattr__``, or a use of ``globals()``, ``vars()``, ``setattr``,
``exec``, ``eval``, ``__import__`` or ``__dict__`` may bind names no reading finds, and
passes. Names bound anywhere in the module count (generously: a local variable of the
same name too), and so do attributes any module of the program assigns (``helpers.speed
= 1``; none is judged when one calls ``setattr`` and the like), so a name the module does
bind is never refused.
"""

from __future__ import annotations

import ast

from .cache import Cache, analysed
from .imports import Finding, ImportGraph, SourceModule, source_line

#: Reading these, a module may bind names its source does not show.
_DYNAMIC = frozenset({"globals", "vars", "setattr", "exec", "eval", "__import__"})
#: Bump when what :func:`bound_names` gives changes.
FORMAT = "1"


def bound_names(tree: ast.Module) -> set[str] | None:
    """Every name ``tree`` binds anywhere, or None when it may bind names unseen."""
    names: set[str] = set()
    for node in ast.walk(tree):  # (iterative: no recursion on deep code)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif node.id in _DYNAMIC:
                return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "__getattr__" and node in tree.body:
                return None
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return None
    return names


def _bound(mod: SourceModule, cache: Cache | None) -> set[str] | None:
    """:func:`bound_names` of ``mod``, from the cache when its source was read before."""
    tree = mod.tree
    if tree is None:
        return None

    def compute() -> list[str] | None:
        names = bound_names(tree)
        return None if names is None else sorted(names)

    found = analysed(cache, ("bound-names", FORMAT, mod.source), compute,
                     lambda data: None if data is None else [str(n) for n in data])
    return None if found is None else set(found)


def _submodules(package: SourceModule) -> set[str]:
    """The names of the modules and folders beside a package's ``__init__.py``."""
    if not package.is_package or package.path is None:
        return set()
    try:
        return {p.stem for p in package.path.parent.iterdir()
                if p.stem.isidentifier() and (p.suffix == ".py" or p.is_dir())}
    except OSError:
        return set()


def _stored_attributes(graph: ImportGraph) -> set[str] | None:
    """Every attribute any module of the program assigns (``helpers.speed = 1`` binds
    ``speed`` in helpers from outside it), None when one may set any (``setattr``...);
    read only when a name looks missing."""
    out: set[str] = set()
    for mod in graph.modules:
        for node in ast.walk(mod.tree) if mod.tree is not None else ():
            if isinstance(node, ast.Attribute):
                if isinstance(node.ctx, ast.Store):
                    out.add(node.attr)
                elif node.attr == "__dict__":
                    return None
            elif isinstance(node, ast.Name) and node.id in _DYNAMIC:
                return None
    return out


def missing_names(graph: ImportGraph, cache: Cache | None = None) -> list[Finding]:
    """Each ``from LOCAL import name`` whose module has no such name and no such
    submodule, at its line."""
    from ..devices._suggest import closest

    out: list[Finding] = []
    known: dict[str, set[str] | None] = {}
    injected: set[str] | None = None
    read = False
    for mod in graph.modules:
        for site in mod.imports:
            target = graph.module(site.module) if site.names and site.runtime else None
            if target is None or site.optional:
                continue
            for name in site.names:
                if name == "*" or name.startswith("__") or \
                        graph.module(f"{site.module}.{name}") is not None:
                    continue
                if site.module not in known:
                    known[site.module] = _bound(target, cache)
                have = known[site.module]
                if have is None or name in have:
                    continue
                if not read:
                    injected, read = _stored_attributes(graph), True
                if injected is None or name in injected:
                    continue  # (``helpers.speed = 1`` somewhere: not judged)
                shown = target.relpath
                near = closest(name, sorted(n for n in have | _submodules(target)
                                            if not n.startswith("_")))
                hint = f"did you mean {near}? " if near is not None else ""
                out.append(Finding(
                    mod.relpath, site.line, site.col,
                    f"'{name}' is imported from {site.module} ({shown}), which has no such "
                    f"name (an ImportError when it runs); {hint}check the spelling, or "
                    f"define {name} in {shown}", source_line(mod.source, site.line)))
    return out
