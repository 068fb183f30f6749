"""The ``# robokit:`` header: the world and duration a program asks for in its first lines.

``# robokit: world=oval duration=90`` in the first 20 lines of a program's entry names the
simulated world it runs in and for how long; command-line options win over it.  The header
is read and checked here, in the compiler, so that ``robokit check`` and ``robokit compile``
refuse what ``robokit run`` would (an unknown key, a duration that is not one, a world that
is neither built in nor a file) at the same file:line, without loading the simulator.

The built-in worlds' names live here too (the simulator's ``load_world`` reads them from
here): a header naming one must not need the simulator to be checked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .._files import is_file
from .._files import shown_path as _display_path
from ..errors import ProgramError

__all__ = ["BUILTIN_WORLDS", "MAX_DURATION_S", "HEADER_LINES", "directives_in", "not_a_world",
           "read_directives"]

#: Names of the built-in worlds (``src/robokit/sim/worlds/<name>.toml``).
BUILTIN_WORLDS: tuple[str, ...] = ("empty", "oval", "arena", "maze", "sumo", "mat")

#: The longest run, in simulated seconds (``robokit.sim.brick.MAX_DURATION_S``, which the
#: simulator's portable code keeps for itself; a test holds the two equal).
MAX_DURATION_S = 1_000_000.0

#: The header is read in this many first lines of the entry.
HEADER_LINES = 20

_DIRECTIVE = r"^#\s*robokit:\s*(.*)$"
_DIRECTIVE_KEYS = {"world": str, "duration": float}
_EXAMPLE = "'# robokit: world=oval duration=90'"
#: A comment meant as the header but not written as one ('# Robokit: world=oval', '# robokit
#: world=oval'), which would be ignored: the run would not be in the world it names.  (The
#: patterns as text: compiled by re's cache when first used.)
_NEAR = r"(?i)^#\s*robo-?kit\s*[:=]?\s*(?=(?:world|duration)\s*=)"
#: One setting, KEY=VALUE (spaces around '=' allowed; a value in quotes may hold spaces; an
#: unclosed quote takes the rest of the line), or a word that is none (group 3).
_ITEM = r"""([^\s=]*)\s*=\s*("[^"]*"|'[^']*'|["'].*|\S*)|(\S+)"""


def read_directives(path: str | Path) -> dict[str, Any]:
    """Settings a program asks for in its first comment lines, e.g.
    ``# robokit: world=oval duration=90``; {} for a file that cannot be read (the compiler
    says why).  Command-line options win over them."""
    p = Path(path)
    if p.is_dir():
        p = p / "main.py"
    try:
        with open(p, encoding="utf-8") as f:
            text = "".join(next(f, "") for _ in range(HEADER_LINES))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return directives_in(text, p)


def directives_in(text: str, p: Path) -> dict[str, Any]:
    """The ``# robokit:`` settings in the first 20 lines of ``text`` (the file ``p``): the
    world (a built-in name, or the path of a world file: beside the program, else as given)
    and the duration (seconds, a float).  A ProgramError at ``p``'s line for an unknown key,
    a value of the wrong kind, a duration out of range, or a world that does not exist."""
    out: dict[str, Any] = {}
    lines: dict[str, int] = {}
    shown = _display_path(str(p))
    for n, line in enumerate(text.splitlines()[:HEADER_LINES], 1):
        stripped = line.strip()
        if not stripped.startswith("#") or "robo" not in stripped.lower():
            continue  # (most lines: no pattern is even compiled for a program without one)
        m = re.match(_DIRECTIVE, stripped)
        if not m:
            near = re.match(_NEAR, stripped)
            if near is not None:
                rest = stripped[near.end():]
                raise ProgramError(
                    f"{shown}:{n}: {stripped!r} is not read as the robokit header (it "
                    f"would be ignored); write it '# robokit: {rest}'", file=str(p), line=n)
            continue
        for found in re.finditer(_ITEM, m.group(1)):
            key, value, word = found.groups()
            if word is not None and word.startswith("#"):
                break  # a comment after the settings
            item = found.group(0).strip()
            if word is not None or key not in _DIRECTIVE_KEYS:
                raise ProgramError(
                    f"{shown}:{n}: robokit directive {item!r} not understood; "
                    f"write e.g. {_EXAMPLE} (keys: {', '.join(_DIRECTIVE_KEYS)})",
                    file=str(p), line=n)
            if value[:1] in ("'", '"') and (len(value) < 2 or value[-1] != value[0]):
                raise ProgramError(
                    f"{shown}:{n}: {item}: the quote is not closed; write "
                    f"{key}={value.rstrip()}{value[0]}",
                    file=str(p), line=n)
            if key in lines:
                raise ProgramError(
                    f"{shown}:{n}: {key} is set twice in the robokit header (also on line "
                    f"{lines[key]}); keep the one you mean", file=str(p), line=n)
            lines[key] = n
            if value[:1] in ("'", '"'):
                value = value[1:-1]  # world="my world.toml", as TOML writes it
            if key == "world":
                out[key] = _world(value, p, shown, n)
            else:
                out[key] = _duration(value, shown, n, str(p))
    return out


def _world(value: str, p: Path, shown: str, n: int) -> str:
    """The world ``value`` names: a world file beside the program (its path), a built-in
    world, or a world file as given (relative to where robokit runs); else a ProgramError."""
    if is_file(p.parent / value):
        return str(p.parent / value)
    if value in BUILTIN_WORLDS or (value and is_file(Path(value))):
        return value
    raise ProgramError(f"{shown}:{n}: world={value}: {not_a_world(Path(value), value)}",
                       file=str(p), line=n)


def _duration(value: str, shown: str, n: int, file: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ProgramError(f"{shown}:{n}: duration={value!r} is not valid; duration must be "
                           "a number of simulated seconds, e.g. duration=90",
                           file=file, line=n) from None
    if not (0.0 < seconds <= MAX_DURATION_S):  # also refuses NaN
        raise ProgramError(
            f"{shown}:{n}: duration={value!r} is not a valid duration; give a number of "
            f"simulated seconds above 0 and at most {MAX_DURATION_S:,.0f}", file=file, line=n)
    return seconds


def not_a_world(path: Path, text_name: str) -> str:
    """What to say of a world that is neither a built-in world nor a world file."""
    builtins = ", ".join(BUILTIN_WORLDS)
    if not text_name.strip():
        return (f"{text_name!r} names no world; give one of the built-in worlds: {builtins}, "
                "or the path of a .toml or .json world file")
    try:
        folder = path.is_dir()
    except OSError:  # a name longer than a file name may be
        folder = False
    if folder:
        return (f"{text_name} is a folder, not a world file; give the path of a .toml or "
                f".json world file, or one of the built-in worlds: {builtins}")
    near = path.stem.strip().lower() if "/" not in text_name and "\\" not in text_name else ""
    if near in BUILTIN_WORLDS:  # oval.toml, Oval, ' oval': the built-in world meant
        return (f"{text_name!r} is neither a world file here nor a built-in world's name; "
                f"the built-in world is named {near} (the built-in worlds are {builtins})")
    if path.suffix.lower() in (".toml", ".json") or "/" in text_name or "\\" in text_name:
        return (f"{text_name}: no such world file; give the path of a .toml or .json world, "
                f"or one of the built-in worlds: {builtins}")
    return (f"{text_name!r} is not a built-in world; the built-in worlds are {builtins} (a "
            f"path to a .toml or .json world file works too)")
