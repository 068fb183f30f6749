"""The ``robokit`` console script: :func:`robokit.cli.command`, with Python's cyclic
garbage collector paused while the command starts (the one module that imports the
command line: it is what starts it).

A command's start makes some 25,000 objects that the collector tracks (click's and
robokit's modules; for ``robokit run``, the bundle, the world and the brick), and
nearly all of them live until the process ends.  Left on, the collector looks through
them again and again as they are made: some 25 collections, 3-6 ms of the ~80 ms of
``robokit run examples/line_follower.py``.  Here it is off from the first import
(:func:`hold`), and :func:`resume` turns it back on once the start is over: ``robokit
run`` as its program starts (the simulated run's ``on_start``), every other command as
soon as it is known (:func:`robokit.cli.resume_collector`), after ``gc.freeze()`` has
put all that exists by then out of its sight, so that no later collection looks through
it again.  A program, or a library that calls robokit, runs with the collector as it
found it; ``python -m robokit.cli`` and code that calls :func:`robokit.cli.main` itself
hold nothing (:func:`resume` is then a no-op).
"""

from __future__ import annotations

import gc

#: Whether the collector was on when :func:`hold` paused it (empty: not held).
_held: list[bool] = []


def command() -> None:
    """The ``robokit`` command, the console script's entry point."""
    hold()
    try:
        from .cli import command as cli_command

        cli_command()
    finally:
        resume()


def hold() -> None:
    """Pause the collector (until :func:`resume`)."""
    if not _held:
        _held.append(gc.isenabled())
        gc.disable()


def resume() -> None:
    """Once the command's start is over: freeze what exists (it lives until the process
    ends) and turn the collector back on, if :func:`hold` paused it."""
    if _held:
        was_on = _held.pop()
        gc.freeze()
        if was_on:
            gc.enable()
