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


def board_script(rel: str, call: str = "") -> str:
    """The board-side file ``rel`` ready to run over the raw REPL: robokit_fs inlined,
    then ``call`` (e.g. ``"info()"``) on a line of its own. FileNotFoundError when robokit's
    copy lacks the file."""
    raw = template(rel)
    if raw is None:
        raise FileNotFoundError(f"firmware_templates/micropython/{rel}")
    code = inline_fs(raw.decode("utf-8"))
    return code + ("\n" + call + "\n" if call else "")


@functools.lru_cache(maxsize=32)
def compact(source: str) -> str:
    """The same program in fewer bytes on the wire: no comments, blank lines or spaces that
    are not needed, one space per indentation level, bracketed lines joined."""
    import io
    import tokenize

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
