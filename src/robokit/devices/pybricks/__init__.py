"""The ``pybricks`` namespace over robokit's device API: Pybricks programs run unmodified.

A simulated run hands these modules out under their Pybricks names (``pybricks.hubs``,
``pybricks.pupdevices``, ``pybricks.parameters``, ``pybricks.tools``,
``pybricks.robotics``, ``pybricks.geometry``), ahead of anything in site-packages (see
``robokit.sim.mpnames``).  They are thin aliases and adapters over ``robokit.devices``,
whose names and units are Pybricks' already.  What is provided and what is not yet:
:mod:`._table` and docs/pybricks-programs.md.  ``pybricks.version`` is the simulated
hub's (:func:`.hubs.pybricks_version`), asked for when read.  Portable (MicroPython too).
"""


import sys

if sys.implementation.name == "micropython":
    # One robot per VM (a kit board, --exact): read once, when the program imports
    # pybricks.  (A module __getattr__ would stand in the way of MicroPython's
    # ``from pybricks import hubs``, which asks it before importing the submodule.)
    from .hubs import pybricks_version as _version

    version = _version()
else:

    def __getattr__(name):
        # PEP 562: this module serves every run in the process, each with its robot.
        if name == "version":
            from .hubs import pybricks_version

            return pybricks_version()
        raise AttributeError("module 'pybricks' has no attribute '" + name + "'")
