"""Testing robot programs and tools: the pytest plugin (entry point ``robokit``) and its
fixtures, shared by users' test suites and robokit's own.

- ``robokit_sim``: run a program on the simulated brick; when the test fails, each run's
  status, pose, output and traceback in the terminal and the JUnit XML, and with
  ``--robokit-artifacts DIR`` its plot, replay and summary in a folder
  (:mod:`robokit.testing.report`; docs/ci.md);
- ``robokit_board``: simulated MicroPython boards on pseudo-terminals, closed after the
  test;
- ``robokit_radio``: a virtual Bluetooth LE radio that every bleak scanner and client
  made during the test uses.

May import: ``robokit.sim`` and ``robokit.virtual`` (inside the fixtures, so that
loading the plugin costs nothing).
"""
