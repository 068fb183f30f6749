"""``python -m robokit.cli``: the ``robokit`` command."""

from . import main

main()
