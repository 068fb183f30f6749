"""The ``pybricks`` namespace over robokit's device API: Pybricks programs run unmodified.

A simulated run hands these modules out under their Pybricks names (``pybricks.hubs``,
``pybricks.pupdevices``, ``pybricks.parameters``, ``pybricks.tools``,
``pybricks.robotics``, ``pybricks.geometry``), ahead of anything in site-packages (see
``robokit.sim.mpnames``).  They are thin aliases and adapters over ``robokit.devices``,
whose names and units are Pybricks' already.  What is provided and what is not yet:
:mod:`._table` and docs/pybricks-programs.md.  Portable (MicroPython too).
"""
