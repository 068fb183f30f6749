"""The one error handler of the command line, and its exit codes.

Every ``robokit`` command is a :class:`Command`; its ``invoke`` is the single place that
turns what went wrong into what a person sees:

- a ``RobokitError`` (robokit could not do what was asked): one line on stderr,
  ``robokit: COMMAND: MESSAGE``, exit 2. A command made with ``json_errors=True`` that
  was given ``--json`` also prints one JSON object (status ``invalid``) on stdout, for a
  pipeline to read;
- :func:`fail` (bad usage the command itself sees): the same line, exit 2;
- Ctrl-C: ``robokit: COMMAND: interrupted`` (or the command's own words), exit 130;
  with ``--json`` (a ``json_errors`` command) also one JSON object with status
  ``interrupted`` on stdout (:func:`print_interrupted`).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from ..errors import RobokitError

EXIT_PROGRAM_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class Failure(Exception):
    """What :func:`fail` raises: a line for the handler to print, exit 2."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def fail(message: str) -> NoReturn:
    """The command cannot go on: ``robokit: COMMAND: message`` on stderr, exit 2."""
    raise Failure(message)


@contextmanager
def about(option: str, *errors: type[Exception]) -> Iterator[None]:
    """The errors in the body (``RobokitError`` unless others are named) are about
    ``option``: the line says ``robokit: COMMAND: OPTION: message``."""
    caught = errors or (RobokitError,)
    try:
        yield
    except caught as exc:
        raise Failure(f"{option}: {exc}") from exc


def command_name(ctx: click.Context) -> str:
    """The command's words after ``robokit`` (``run``, ``board check``)."""
    words = []
    while ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


def brick_of(params: dict[str, Any]) -> str | None:
    """The brick a command was pointed at with --port / --ble / --pybricks, as
    ``robokit.targets.connect`` takes it (None: the simulator, or none given)."""
    given = brick_options_given(params.get("port"), params.get("ble"), params.get("pybricks"))
    return given[0] if len(given) == 1 else None


def brick_options_given(port: str | None, ble: str | None, pybricks: str | None
                        ) -> list[str]:
    return [w for w in (port, f"ble:{ble}" if ble is not None else None,
                        f"pybricks:{pybricks}" if pybricks is not None else None)
            if w is not None]


class Command(click.Command):
    """A robokit command: its errors go through the one handler (see the module
    docstring). ``interrupted``: what Ctrl-C says after ``robokit: COMMAND: ``;
    ``json_errors``: with ``--json``, a RobokitError is also one JSON object on stdout."""

    def __init__(self, *args: Any, interrupted: str = "interrupted",
                 json_errors: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.interrupted = interrupted
        self.json_errors = json_errors

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # (click's parser takes the list apart)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # (click prints it, exit 2)
            if self.json_errors and "--json" in given:
                _print_json("UsageError", exc.format_message(), None, None, None)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Failure as exc:
            if self.json_errors and ctx.params.get("as_json"):
                _print_json("UsageError", exc.message, None, None, brick_of(ctx.params))
            _say(ctx, exc.message)
        except RobokitError as exc:
            if self.json_errors and ctx.params.get("as_json"):
                _print_invalid(exc, brick_of(ctx.params))
            _say(ctx, str(exc))
        except KeyboardInterrupt as exc:
            if self.json_errors and ctx.params.get("as_json"):
                print_interrupted(exc, brick_of(ctx.params))
            wipe_progress()
            click.echo(f"robokit: {command_name(ctx)}: {self.interrupted}", err=True)
            sys.exit(EXIT_INTERRUPTED)


class Group(click.Group):
    """A group whose commands (and sub-groups) are robokit :class:`Command`\\ s."""

    command_class = Command
    group_class = type  # sub-groups are Groups too


#: The progress lines drawn on the terminal now (robokit.cli._output.ProgressLine): a
#: message wipes them first, so that it does not land on the end of a bar.
_drawn: list[Any] = []


def progress_shown(line: Any, shown: bool) -> None:
    """``line`` is drawn (True) or wiped (False)."""
    if shown:
        if line not in _drawn:
            _drawn.append(line)
    elif line in _drawn:
        _drawn.remove(line)


def wipe_progress() -> None:
    """Wipe every progress line drawn now (before a message on stderr)."""
    for line in list(_drawn):
        line.clear()


def _say(ctx: click.Context, message: str) -> NoReturn:
    wipe_progress()
    click.echo(f"robokit: {command_name(ctx)}: {message}", err=True)
    sys.exit(EXIT_USAGE)


#: "FILE:LINE: " at the start of a message.
_WHERE = r"(?P<file>[^\s:][^:\n]*):(?P<line>\d+): "  # compiled when first needed


def print_interrupted(exc: BaseException, target: str | None) -> None:
    """With --json, a run that Ctrl-C ended: one object with status ``interrupted`` on
    stdout, as a pipeline reads every other end. The run as far as it went when the
    interrupt carries it (``robokit.sim.runner.RunInterrupted``): one program's result
    as ``robokit run --json`` prints it, several programs' under ``robots``; else (Ctrl-C
    before the run began) the status alone."""
    results = getattr(exc, "results", None) or []
    obj: dict[str, Any]
    if len(results) == 1:
        obj = results[0].to_dict()
    else:
        obj = {"status": "interrupted"}
        if target is not None:
            obj["target"] = target
        if results:
            obj["robots"] = [{"robot_index": i + 1, **r.to_dict()}
                             for i, r in enumerate(results)]
    try:
        click.echo(json.dumps(obj, indent=2))
    except OSError:  # whoever read stdout has gone too
        pass


def _print_invalid(exc: RobokitError, target: str | None) -> None:
    _print_json(type(exc).__name__, str(exc), getattr(exc, "file", None),
                getattr(exc, "line", None), target)


def _print_json(kind: str, message: str, file: str | None, line: int | None,
                target: str | None) -> None:
    """With --json, what the command could not do: one object with status ``invalid``
    on stdout (a usage error too: a script reads stdout, not the line on stderr)."""
    obj: dict[str, Any] = {"status": "invalid"}
    if target is not None:
        obj["target"] = target
    if file is None:  # the message says where ("robot.toml:3: ..."): so does the JSON
        m = re.match(_WHERE, message)
        if m:
            file, line = m["file"], int(m["line"])
    obj["error"] = {"type": kind, "message": message, "file": file, "line": line}
    click.echo(json.dumps(obj, indent=2))
