"""Protocols as data: the bytes robokit and the bricks exchange, with no I/O.

Each module here is pure (it imports nothing of robokit and opens nothing): constants,
message layouts and the small functions that pack and parse them. Links, flashers,
targets and the virtual hardware all read the same definitions, so a protocol is
written once.

May import: nothing of robokit.
"""
