"""Reading worlds: the built-in ones by name, world files (TOML or JSON) by path, or text.

``load_world`` keeps the worlds it read (built-in ones, and files that have not changed), so a
world's surface raster is built once per process.  Syntax errors name the file and line;
:meth:`~robokit.sim.world.model.World.from_dict` then checks the table, and the locator here
finds the line of the key or table a message is about.  The built-in worlds are
``src/robokit/sim/worlds/<name>.toml`` (package data).
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from pathlib import Path
from typing import Any

from robokit._files import is_file
from robokit.compiler.directives import BUILTIN_WORLDS, not_a_world
from robokit.config import parse_problem, read_text, structure_problem, toml
from robokit.errors import WorldError
from robokit.sim.world.model import World, _Locator, _parse

__all__ = ["BUILTIN_WORLDS", "load_world", "parse_world"]

#: The folder of the built-in worlds: robokit/sim/worlds, next to this package.
WORLDS_DIR = Path(__file__).resolve().parent.parent / "worlds"


#: The largest world file robokit reads, in bytes (docs/limits.md): some 200,000 shapes.
MAX_WORLD_BYTES = 20_000_000

_cache: dict[Any, World] = {}
_CACHE_MAX = 16


def load_world(name_or_path: str | Path | World) -> World:
    """A built-in world by name, or a world file (.toml or .json) by path; raises WorldError.

    Built-in worlds, and files that have not changed, come back as the same World object, so
    its surface raster is built once per process.
    """
    if isinstance(name_or_path, World):
        return name_or_path
    text_name = str(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_WORLDS:
        path = WORLDS_DIR / f"{name_or_path}.toml"
        label = f"{name_or_path}.toml (built-in world)"
    else:
        path = Path(name_or_path)
        label = text_name
        if not is_file(path):
            raise WorldError(not_a_world(path, text_name))
    try:
        st = path.stat()
        key: Any = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError as e:  # pragma: no cover - raced away
        raise WorldError(f"{label}: cannot read the world file ({e.strerror})") from e
    hit = _cache.get(key)
    if hit is not None:
        return hit
    try:
        text = read_text(path, label, WorldError, MAX_WORLD_BYTES, "world file")
    except OSError as e:
        raise WorldError(f"{label}: cannot read the world file ({e.strerror or e})") from e
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    world = parse_world(text, label, fmt)
    if label == text_name:  # a world file: what its [[robots]] name is beside it
        world.folder = path.resolve().parent
        loc = _TextLocator(text, fmt)
        for i, r in enumerate(world.robots):
            for key, name in (("program", r.program), ("robot", r.robot)):
                line = loc.line(loc.key("robots", i, key)) if name is not None else None
                if line is not None:
                    world.robot_key_lines[(i, key)] = line
    if len(_cache) >= _CACHE_MAX:
        _cache.pop(next(iter(_cache)))
    _cache[key] = world
    return world


def parse_world(text: str, source: str = "<text>", fmt: str = "toml") -> World:
    """Build a world from the text of a world file; ``fmt`` is "toml" or "json"."""
    found = structure_problem(text)
    if found is not None:
        raise WorldError(f"{source}:{found}")
    key = _parsed_key(text) if fmt == "toml" else None
    kept = _parsed_get(key)
    if kept is not None:  # this very text parsed before: its table and its shapes' places
        loc = _TextLocator(text, fmt)
        loc._spans.update(kept[1])
        return _parse(kept[0], source, loc)
    tomllib = toml()
    try:
        data = (json.loads(text, object_pairs_hook=_no_twice) if fmt == "json"
                else tomllib.loads(text))
    except _KeyTwice as e:
        raise WorldError(_json_twice(text, source, e.key)) from e
    except json.JSONDecodeError as e:
        raise WorldError(f"{source}:{e.lineno}: JSON syntax error: {e.msg} "
                         f"(column {e.colno}){_json_hint(text, e.pos)}") from e
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            core = msg[: m.start()].rstrip()
            said = _toml_twice(text, int(m.group(1)), core)
            if said is not None:
                raise WorldError(f"{source}:{m.group(1)}: {said}") from e
            raise WorldError(f"{source}:{m.group(1)}: TOML syntax error: {core} "
                             f"(column {m.group(2)}){_toml_hint(text, int(m.group(1)))}"
                             ) from e
        raise WorldError(f"{source}: TOML syntax error: {msg}") from e
    except (RecursionError, ValueError) as e:  # nesting, or a number beyond reading
        raise WorldError(f"{source}: {parse_problem(text, e)}") from e
    if not isinstance(data, dict):
        raise WorldError(f"{source}:1: a world file must hold a table (a JSON object) at the top")
    loc = _TextLocator(text, fmt)
    world = _parse(data, source, loc)  # (which reads the table, never changes it)
    _parsed_put(key, data, loc._spans)  # a world that parsed without an error only
    return world


NEWLINE = "\n"
_LIST_KINDS = ("lines", "polygons", "circles", "rings", "walls", "boxes", "robots", "objects")


class _KeyTwice(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's dict, refusing a key given twice (json keeps the last silently: a
    world's second "lines" would drop the first's lines)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _KeyTwice(key)
        out[key] = value
    return out


def _json_twice(text: str, source: str, key: str) -> str:
    """The message for a JSON world whose object gives ``key`` twice, at the second one's
    line."""
    at = _second_key(text, _skip_ws(text, 0))
    line = f":{text.count(NEWLINE, 0, at) + 1}" if at is not None else ""
    hint = f" (all the {key} in one list)" if key in _LIST_KINDS else ""
    return (f"{source}{line}: key '{key}' is given twice in one object; JSON would keep only "
            f"the second: give it once{hint}")


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _second_key(text: str, i: int) -> int | None:
    """The text offset of the first key given twice in one object, in the JSON value at
    ``i`` (text that json parsed), or None."""
    if text[i] == "[":
        i = _skip_ws(text, i + 1)
        while text[i] != "]":
            found = _second_key(text, i)
            if found is not None:
                return found
            i = _skip_ws(text, _value_end(text, i))
            if text[i] == ",":
                i = _skip_ws(text, i + 1)
        return None
    if text[i] != "{":
        return None
    seen: set[str] = set()
    i = _skip_ws(text, i + 1)
    while text[i] != "}":
        key, j = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
        if key in seen:
            return i
        seen.add(key)
        j = _skip_ws(text, _skip_ws(text, j) + 1)  # past the ':'
        found = _second_key(text, j)
        if found is not None:
            return found
        i = _skip_ws(text, _value_end(text, j))
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
    return None


def _value_end(text: str, i: int) -> int:
    return int(json.JSONDecoder(object_pairs_hook=list).raw_decode(text, i)[1])


def _json_hint(text: str, pos: int) -> str:
    """What a teacher most likely meant where json stopped, or ''."""
    here = text[pos:pos + 2]
    if here in ("//", "/*") or here[:1] == "#":
        return "; JSON has no comments: remove it, or write the world as TOML, where # starts one"
    if here[:1] == "'":
        return "; JSON strings and keys take double quotes (\"size\"), not single ones"
    if here[:1] in ("}", "]") and text[:pos].rstrip().endswith(","):
        return f"; JSON allows no comma before {here[:1]}: remove the last one"
    return ""


def _toml_hint(text: str, line: int) -> str:
    """What a teacher most likely meant on the TOML line that does not parse, or ''."""
    rows = text.splitlines()
    row = rows[line - 1].lstrip() if 0 < line <= len(rows) else ""
    if row.startswith(("//", "/*")):
        return "; a TOML comment starts with #"
    return ""


def _toml_twice(text: str, line: int, core: str) -> str | None:
    """What to do about a TOML key or table given twice (tomllib's words name neither),
    or None for another error.  The usual one: a second shape's keys pasted under the
    first's [[lines]] without a [[lines]] of its own."""
    if core.startswith("Cannot declare ("):
        m = re.match(r"Cannot declare \((.*)\) twice", core)
        name = ".".join(re.findall(r"'([^']*)'", m.group(1))) if m else "the table"
        if name in _LIST_KINDS:
            return (f"[{name}] is given twice; write [[{name}]] (two brackets) before each "
                    f"item of the list")
        return f"[{name}] is given twice; give it once"
    if core != "Cannot overwrite a value":
        return None
    rows = text.splitlines()
    here = rows[line - 1] if 0 < line <= len(rows) else ""
    if here.lstrip().startswith("["):  # a table whose name is a key above
        key = here.split("#", 1)[0].strip()
    else:
        key = here.split("=", 1)[0].strip().strip("\"'") if "=" in here else ""
    table = ""
    for row in reversed(rows[: line - 1]):
        if row.lstrip().startswith("["):
            table = row.split("#", 1)[0].strip()
            break
    what = (key if key.startswith("[") else f"'{key}'") if key else "this key"
    if table.startswith("[["):
        return (f"{what} is given twice in one {table} table; for another item, write "
                f"{table} on the line before its keys")
    where = f"the {table} table" if table else "the file"
    return f"{what} is given twice in {where}; give it once"


#: The format of a kept parse: the TOML table and the text offsets of the world's items
#: (in marshal's format, whose version is in the key with Python's, whose parser makes
#: the table, and with this file's source, which finds the offsets).
_PARSED_FORMAT = "world-toml-1"


def _parsed_key(text: str) -> str | None:
    """The cache key of a world file's text (None: the cache is off).  A world file
    parsed once is not parsed again: its TOML table and the text offsets of its items
    (their paint order) come from the cache, and the TOML parser is not even imported
    (~3 ms of every run in a built-in world)."""
    import marshal

    from robokit.compiler.cache import default_cache_dir, make_key

    if default_cache_dir() is None:
        return None
    try:
        with open(__file__, "rb") as f:
            code = f.read()
    except OSError:  # no source beside the bytecode: robokit's version stands for it
        import robokit

        code = str(robokit.__version__).encode()
    return make_key(_PARSED_FORMAT, str(marshal.version), sys.version, code, text)


def _parsed_get(key: str | None) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (table, offsets) kept under ``key``, or None (a miss, or an entry that does
    not read back as one: the caller parses the text)."""
    if key is None:
        return None
    import marshal

    from robokit.compiler.cache import Cache

    raw = Cache().get("world", key)  # checked against its SHA-256 as it is read
    if raw is None:
        return None
    try:
        kept = marshal.loads(raw)
    except (ValueError, EOFError, TypeError):
        return None
    if (not isinstance(kept, tuple) or len(kept) != 2 or not isinstance(kept[0], dict)
            or not isinstance(kept[1], dict)):
        return None
    return kept[0], kept[1]


def _parsed_put(key: str | None, data: dict[str, Any], spans: dict[str, Any]) -> None:
    """Keep a parse under ``key``; a table marshal cannot write (a TOML date) is not
    kept: such a world is parsed every time."""
    if key is None:
        return
    import marshal

    from robokit.compiler.cache import Cache

    try:
        raw = marshal.dumps((data, dict(spans)))
    except ValueError:
        return
    Cache().put("world", key, raw)


class _TextLocator(_Locator):
    """Finds the line of a table or key in the world file's text, for error messages."""

    def __init__(self, text: str | None, fmt: str) -> None:
        self.text = text
        self.fmt = fmt
        self._spans: dict[str, list[tuple[int, int]]] = {}
        self.has_headers = False

    def line(self, offset: int | None) -> int | None:
        if offset is None or self.text is None:
            return None
        return self.text.count("\n", 0, offset) + 1

    def spans(self, kind: str) -> list[tuple[int, int]]:
        """(start, end) text offsets of each item of array ``kind`` (or of table ``start``)."""
        if kind in self._spans:
            return self._spans[kind]
        out: list[tuple[int, int]] = []
        text = self.text
        if text is not None:
            out = self._json_spans(text, kind) if self.fmt == "json" else self._toml_spans(text,
                                                                                          kind)
        self._spans[kind] = out
        return out

    def _toml_spans(self, text: str, kind: str) -> list[tuple[int, int]]:
        k = re.escape(kind)
        headers = [m.start() for m in re.finditer(r"^[ \t]*\[", text, re.M)]

        def end_of(start: int) -> int:
            i = bisect_right(headers, start)
            return headers[i] if i < len(headers) else len(text)

        found = [m.start() for m in re.finditer(rf"^[ \t]*\[\[[ \t]*{k}[ \t]*\]\]", text, re.M)]
        if not found:
            found = [m.start() for m in re.finditer(rf"^[ \t]*\[[ \t]*{k}[ \t]*\]", text, re.M)]
        if found:
            return [(s, end_of(s)) for s in found]
        first = headers[0] if headers else len(text)
        m = re.search(rf"^[ \t]*{k}[ \t]*=", text[:first], re.M)
        if m is None:
            return []
        # an inline array: one item per '{' at the top level of the value
        start = m.end()
        out: list[tuple[int, int]] = []
        depth = 0
        item_start = start
        i = start
        in_str: str | None = None
        while i < len(text):
            ch = text[i]
            if in_str:
                if ch == "\\" and in_str == '"':
                    i += 2
                    continue
                if ch == in_str:
                    in_str = None
            elif ch in "\"'":
                in_str = ch
            elif ch in "[{":
                if ch == "{" and depth == 1 and kind != "start":
                    item_start = i
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 1 and ch == "}" and kind != "start":
                    out.append((item_start, i + 1))
                if depth <= 0:
                    if kind == "start":
                        out.append((start, i + 1))
                    break
            elif ch == "#" and not in_str:
                nl = text.find("\n", i)
                i = len(text) if nl < 0 else nl
                continue
            i += 1
        return out or [(start, start)]

    def _json_spans(self, text: str, kind: str) -> list[tuple[int, int]]:
        m = re.search(rf'"{re.escape(kind)}"\s*:\s*', text)
        if m is None:
            return []
        dec = json.JSONDecoder()
        i = m.end()
        if i < len(text) and text[i] == "{":
            try:
                return [(i, dec.raw_decode(text, i)[1])]
            except ValueError:
                return [(i, i)]
        if i >= len(text) or text[i] != "[":
            return [(m.start(), m.end())]
        out: list[tuple[int, int]] = []
        i += 1
        ws = re.compile(r"[\s,]*")
        while True:
            i = ws.match(text, i).end()  # type: ignore[union-attr]
            if i >= len(text) or text[i] == "]":
                break
            try:
                _, end = dec.raw_decode(text, i)
            except ValueError:
                break
            out.append((i, end))
            i = end
        return out

    def item(self, kind: str, index: int) -> int | None:
        sp = self.spans(kind)
        if index < len(sp):
            return sp[index][0]
        return sp[0][0] if sp else None

    def key(self, kind: str | None, index: int | None, key: str) -> int | None:
        text = self.text
        if text is None:
            return None
        if kind is None:
            span = (0, len(text))
            if self.fmt == "toml":
                m = re.search(r"^[ \t]*\[", text, re.M)
                span = (0, m.start() if m else len(text))
        else:
            sp = self.spans(kind)
            i = index or 0
            if not sp:
                return None
            span = sp[i] if i < len(sp) else sp[0]
        k = re.escape(key)
        pat = rf'"{k}"\s*:' if self.fmt == "json" else rf"(?:^|[\s{{,])[\"']?{k}[\"']?[ \t]*="
        m = re.compile(pat, re.M).search(text, span[0], span[1])
        if m is None and kind is None and self.fmt == "toml":
            m = re.search(rf"^[ \t]*\[\[?[ \t]*{k}[ \t]*\]", text, re.M)
        if m is None:
            return span[0] if kind is not None else None
        return m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
