"""The code robokit runs on a MicroPython board, read from ``firmware_templates/micropython/``
and made ready to send.

Every piece of board-side code is a real file there (linted and compiled with mpy-cross
by the tests): the loader, the upload receiver, the boot stub and boot module, the
file-system module ``robokit_fs.py`` and the small scripts under ``scripts/`` (info,
probe, file hashes). Installed files import ``robokit_fs`` from the system slot; code the
host sends over the raw REPL cannot (a bare board has no robokit_fs), so
:func:`inline_fs` puts the definitions it uses (and those they use) in place of its
``from robokit_fs import ...`` line. The boot stub is installed the same way: it is what
finds the system slot that holds robokit_fs.

Pure: files in, text out.
"""

from __future__ import annotations

import ast
import functools
import zlib
from pathlib import Path

FS_MODULE = "robokit_fs"


def template_path(rel: str) -> Path | None:
    """``firmware_templates/micropython/<rel>``, or None when robokit's copy lacks it."""
    from ...compiler.compile import templates_dir

    root = templates_dir()
    f = None if root is None else root / "micropython" / rel
    return f if f is not None and f.is_file() else None


def template(rel: str) -> bytes | None:
    """The bytes of ``firmware_templates/micropython/<rel>``, None when it is missing."""
    f = template_path(rel)
    return None if f is None else f.read_bytes()


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    return []


def inline_fs(source: str, fs_source: str | None = None) -> str:
    """``source`` with its ``from robokit_fs import ...`` lines replaced by the definitions
    of robokit_fs they name and the ones those use (imports and constants included), in
    the module's order. Source without such a line comes back unchanged."""
    tree = ast.parse(source)
    imports = [n for n in tree.body
               if isinstance(n, ast.ImportFrom) and n.module == FS_MODULE and n.level == 0]
    if not imports:
        return source
    if any(a.asname for n in imports for a in n.names):
        raise ValueError(f"import names from {FS_MODULE} without 'as'")
    if fs_source is None:
        raw = template(FS_MODULE + ".py")
        if raw is None:
            raise FileNotFoundError("firmware_templates/micropython/robokit_fs.py")
        fs_source = raw.decode("utf-8")
    return _inline(source, fs_source)


@functools.lru_cache(maxsize=32)
def _inline(source: str, fs_source: str) -> str:
    tree = ast.parse(source)
    imports = [n for n in tree.body
               if isinstance(n, ast.ImportFrom) and n.module == FS_MODULE and n.level == 0]
    fs_tree = ast.parse(fs_source)
    fs_lines = fs_source.splitlines(keepends=True)
    by_name = {name: node for node in fs_tree.body for name in _defined(node)}
    need: set[str] = set()
    todo = [a.name for n in imports for a in n.names]
    while todo:
        name = todo.pop()
        if name in need:
            continue
        if name not in by_name:
            raise ValueError(f"{FS_MODULE} defines no {name!r}")
        need.add(name)
        todo += [s.id for s in ast.walk(by_name[name])
                 if isinstance(s, ast.Name) and s.id in by_name]
    text = ""
    for node in fs_tree.body:
        if any(name in need for name in _defined(node)):
            block = isinstance(node, ast.FunctionDef | ast.ClassDef)
            segment = "".join(fs_lines[node.lineno - 1:node.end_lineno]).rstrip("\n")
            text += ("\n\n" if block and text else "") + segment + "\n"
    lines = source.splitlines(keepends=True)
    first = imports[0]
    for node in reversed(imports):  # from the last, so that line numbers stay right
        end = node.end_lineno or node.lineno
        lines[node.lineno - 1:end] = [text if node is first else ""]
    return "".join(lines)


def _needed(nodes: dict[str, ast.stmt], roots: list[str]) -> set[str]:
    """The names in ``roots`` and every top-level name their definitions use, transitively."""
    need: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in need or name not in nodes:
            continue
        need.add(name)
        todo += [n.id for n in ast.walk(nodes[name]) if isinstance(n, ast.Name)]
    return need


def prune(source: str, call: str) -> str:
    """``source`` without the top-level functions, classes and constants that ``call`` (the
    code run after it) never reaches: the bytes a board is sent for one job. Statements
    that define no name (a ``try`` around an import, say) stay."""
    tree = ast.parse(source)
    nodes = {name: node for node in tree.body for name in _defined(node)}
    roots = [n.id for n in ast.walk(ast.parse(call)) if isinstance(n, ast.Name)]
    need = _needed(nodes, roots)
    # statements that define no name may use names too (the try around an import)
    for node in tree.body:
        if not _defined(node):
            need |= _needed(nodes, [n.id for n in ast.walk(node) if isinstance(n, ast.Name)])
    lines = source.splitlines(keepends=True)
    for node in reversed(tree.body):
        names = _defined(node)
        if names and not any(name in need for name in names):
            lines[node.lineno - 1:node.end_lineno] = []
    return "".join(lines)


def board_script(rel: str, call: str = "") -> str:
    """The board-side file ``rel`` ready to run over the raw REPL: robokit_fs inlined,
    then, when ``call`` (e.g. ``"info()"``) is given, only what it reaches and ``call`` on
    a line of its own. FileNotFoundError when robokit's copy lacks the file."""
    raw = template(rel)
    if raw is None:
        raise FileNotFoundError(f"firmware_templates/micropython/{rel}")
    code = inline_fs(raw.decode("utf-8"))
    return prune(code, call) + "\n" + call + "\n" if call else code


def _without_docstrings(source: str) -> str:
    """``source`` without the docstrings of its module, classes and functions (where one is
    not the only statement of its body)."""
    lines = source.splitlines(keepends=True)
    spans = []
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and body
                and len(body) > 1 and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            spans.append((body[0].lineno, body[0].end_lineno or body[0].lineno))
    for first, last in sorted(spans, reverse=True):
        lines[first - 1:last] = []
    return "".join(lines)


@functools.lru_cache(maxsize=32)
def compact(source: str) -> str:
    """The same program in fewer bytes on the wire: no docstrings, comments, blank lines or
    spaces that are not needed, one space per indentation level, bracketed lines joined."""
    import io
    import tokenize

    source = _without_docstrings(source)

    words = (tokenize.NAME, tokenize.NUMBER, tokenize.STRING)
    lines: list[str] = []
    line: list[str] = []
    depth = 0
    prev: tokenize.TokenInfo | None = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        elif tok.type == tokenize.NEWLINE:
            lines.append(" " * depth + "".join(line))
            line, prev = [], None
        elif tok.type in (*words, tokenize.OP):
            if prev is not None and prev.type in words and tok.type in words:
                line.append(" ")
            line.append(tok.string)
            prev = tok
    return "\n".join(lines) + "\n"


def guarded(code: str) -> str:
    """``code`` as a string literal, run (``exec``) on the board only if its length and
    CRC-32 are as sent; else it raises ValueError there."""
    return (f"_s={code!r}\n"
            "try:\n from binascii import crc32 as _c\nexcept ImportError:\n _c=None\n"
            f"if len(_s)!={len(code)} or _c and _c(_s.encode())&0xFFFFFFFF!="
            f"{zlib.crc32(code.encode('utf-8'))}:\n"
            " raise ValueError('the receiver was damaged on the link')\n"
            "exec(_s)\n")


__all__ = ["board_script", "compact", "guarded", "inline_fs", "template", "template_path"]
