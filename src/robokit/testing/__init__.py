"""Testing robot programs and tools: the pytest plugin (entry point ``robokit``) and its
fixtures, shared by users' test suites and robokit's own.

- ``robokit_sim``: run a program on the simulated brick, its traceback in the report
  when the test fails;
- ``robokit_board``: simulated MicroPython boards on pseudo-terminals, closed after the
  test;
- ``robokit_radio``: a virtual Bluetooth LE radio that every bleak scanner and client
  made during the test uses.

May import: ``robokit.sim`` and ``robokit.virtual`` (inside the fixtures, so that
loading the plugin costs nothing).
"""
