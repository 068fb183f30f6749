"""Where a module of the project is: the import finder's file lookups, on their own so
that a stored bundle's check of them (:mod:`robokit.compiler.stored`) imports no parser.

A name is found under the project folder the way CPython would find it with that folder
first on ``sys.path``: ``name/__init__.py`` (a package), ``name.py`` (a module), or
``name/`` holding Python files (a namespace package).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Never looked for in the project: robokit supplies these itself.
PROVIDED = frozenset({"robokit"})


def _has_python(d: Path, depth: int = 2) -> bool:
    try:
        with os.scandir(d) as it:
            entries = list(it)
    except OSError:
        return False
    for e in entries:
        if e.name.endswith(".py") and e.is_file():
            return True
    if depth > 1:
        for e in entries:
            if e.is_dir() and e.name.isidentifier() and _has_python(Path(e.path), depth - 1):
                return True
    return False


class Finder:
    """Finds modules by dotted name under the project folder (cached)."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, tuple[Path | None, bool, str] | None] = {}

    @property
    def probes(self) -> dict[str, tuple[Path | None, bool, str] | None]:
        """Each name looked for so far and what :meth:`find` gave."""
        return dict(self._cache)

    def find(self, name: str) -> tuple[Path | None, bool, str] | None:
        """(file or None for a namespace package, is_package, relpath) or None."""
        if name in self._cache:
            return self._cache[name]
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts) or parts[0] in PROVIDED:
            self._cache[name] = None
            return None
        base = self.root.joinpath(*parts)
        rel = "/".join(parts)
        found: tuple[Path | None, bool, str] | None = None
        init = base / "__init__.py"
        if init.is_file():
            found = (init, True, rel + "/__init__.py")
        elif base.with_name(parts[-1] + ".py").is_file():
            found = (base.with_name(parts[-1] + ".py"), False, rel + ".py")
        elif base.is_dir() and (len(parts) > 1 or _has_python(base)):
            # A namespace package: no code of its own.  Its relpath names the
            # __init__.py it stands for, so a loader can treat it as a package.
            found = (None, True, rel + "/__init__.py")
        self._cache[name] = found
        return found
