"""``python -m robokit.cli``: the ``robokit`` command."""

from . import command

command()
