"""Virtual hardware: simulated bricks that speak the real protocols.

What robokit's tests, ``robokit sim serve`` and a user's own tools talk to when there is
no hardware, through the same client code a real brick gets (pyserial, bleak,
pybricksdev, mpremote, esptool):

- the MicroPython board (``board``: the assembly; ``transport``: pty, socket and memory
  connections; ``vfs``: its file system; ``repl``: the REPL, raw REPL and raw-paste;
  ``executor``: the CPython executor; ``mpvm`` with ``mp_agent``: MicroPython's unix port
  as the executor; ``rom``: its read-only ``/rom`` with the device API, for the REPL;
  ``pins``: a kit simulated at pin level; ``faults``: byte faults and power cuts);
- the Bluetooth LE radio under bleak's backend interface (``radio``) with a Nordic UART
  board (``ble_board``);
- Pybricks hubs over BLE and USB (``pybricks_hub``, ``pybricks_usb``, with the stand-in
  ``pybricks`` modules in ``pybricks_fw/``), LEGO's Bluetooth bootloader and USB DFU
  (``lego_bootloader``, ``lego_dfu``), and an ESP32 ROM bootloader (``esp_rom``).

The robot behind a virtual board is the physics simulator's.

May import: ``robokit.sim``, ``robokit.protocols``, ``robokit.kits``, ``robokit.config``,
``robokit.compiler`` (to read the bundles it is sent), the device API's HAL contract and
``robokit.errors``; never the links, targets or the command line (it is the other side
of them).
"""
