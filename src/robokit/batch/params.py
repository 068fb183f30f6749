"""Parameters for a sweep: a program's own top-level constants, set to other values.

A program that starts ``KP = 1.2`` runs in a sweep with ``KP = 0.8``, ``1.0``, ...: the
bundle's entry module gets each top-level ``KP = ...`` assignment's value replaced by
the parameter's literal, before it runs. Nothing to import and nothing to learn: the
constant's own value is the default when the program runs alone, on a brick too.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import itertools
from collections.abc import Mapping
from typing import Any

from ..compiler.bundle import Bundle
from ..errors import ProgramError, RobokitError

#: Values a parameter may take (what a TOML spec file can hold, but tables).
Scalar = bool | int | float | str


def grid(params: Mapping[str, list[Scalar]]) -> list[dict[str, Scalar]]:
    """Every combination of the parameters' values, in order (one empty dict if none)."""
    names = list(params)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(params[n] for n in names))]


def set_constants(bundle: Bundle, values: Mapping[str, Scalar]) -> Bundle:
    """``bundle`` with its entry module's top-level ``NAME = ...`` set to ``values``;
    a ProgramError when the entry has no such assignment (or no source)."""
    if not values:
        return bundle
    entry = bundle.module(bundle.entry)
    if entry.source is None:
        raise ProgramError(f"{bundle.program}: the bundle has no source (built with "
                           "--strip-source), so no parameter can be set")
    text = entry.source.decode("utf-8")
    # lines as the parser numbers them: at \n, \r\n or \r only (str.splitlines would
    # also split at a form feed or U+2028 in a comment or string, and edit the wrong line)
    lines = io.StringIO(text, newline="").readlines()
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:  # checked when compiled; a hand-made bundle may differ
        raise ProgramError(f"{entry.path}:{exc.lineno}: syntax error: {exc.msg}",
                           file=entry.path, line=exc.lineno) from exc
    found: dict[str, list[ast.Assign | ast.AnnAssign]] = {name: [] for name in values}
    for node in tree.body:
        target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else node.target if isinstance(node, ast.AnnAssign) and node.value
                  else None)
        if (isinstance(target, ast.Name) and target.id in found
                and isinstance(node, (ast.Assign, ast.AnnAssign))):
            found[target.id].append(node)
    missing = [n for n, nodes in found.items() if not nodes]
    if missing:
        name = missing[0]
        raise ProgramError(f"{entry.path}: the parameter {name} has no top-level "
                           f"assignment to set; add one with its default, like "
                           f"`{name} = {values[name]!r}`", file=entry.path)
    edits = []  # (line index, col offset of the value, end line, end col, text)
    for name, nodes in found.items():
        for node in nodes:
            value = node.value
            assert value is not None
            edits.append((value.lineno - 1, value.col_offset, (value.end_lineno or 0) - 1,
                          value.end_col_offset or 0, repr(values[name])))
    for line, col, end_line, end_col, new in sorted(edits, reverse=True):
        head = lines[line].encode("utf-8")[:col].decode("utf-8")
        tail = lines[end_line].encode("utf-8")[end_col:].decode("utf-8")
        lines[line:end_line + 1] = [head + new + tail]
    source = "".join(lines).encode("utf-8")
    modules = [dataclasses.replace(m, source=source) if m.name == entry.name else m
               for m in bundle.modules]
    return dataclasses.replace(bundle, modules=modules)


def check_values(params: Any, where: str) -> dict[str, list[Scalar]]:
    """A spec's ``[params]`` table: names that are identifiers, lists of literals."""
    if not isinstance(params, dict):
        raise RobokitError(f"{where}: params must be a table of NAME = [values]")
    out: dict[str, list[Scalar]] = {}
    for name, vals in params.items():
        if not name.isidentifier():
            raise RobokitError(f"{where}: params.{name}: not a Python name")
        if not isinstance(vals, list):
            vals = [vals]
        if not vals or not all(isinstance(v, (bool, int, float, str)) for v in vals):
            raise RobokitError(f"{where}: params.{name}: give a list of numbers, true/false "
                               "or strings")
        out[name] = vals
    return out
