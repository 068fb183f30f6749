# mypy: ignore-errors
"""Stand-in ``pybricks`` package for robokit's simulated Pybricks hub (MicroPython).

NO PHYSICS: motors integrate their commanded speed over wall-clock time,
sensors return fixed values, hub outputs are only recorded in ``_log``.
"""

version = ("robokit-sim", "3.3.0", "robokit simulated hub")

# What the program told lights, displays and speakers: (what, value) tuples.
_log = []


def _record(what, value=None):
    _log.append((what, value))
    if len(_log) > 1000:
        del _log[:500]
