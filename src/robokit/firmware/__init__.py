"""The firmware layer: firmware images and the flashers that put them on a board.

- ``uf2``: UF2 files for RP2040 / RP2350 boards: validate block by block, find a board's
  boot drive (``INFO_UF2.TXT``), copy the file onto it, wait for the board's serial port.
- ``pybricks_zip``: Pybricks ``firmware.zip`` files (metadata 1.x, 2.x and 3.x): read,
  validate, build the image and checksum the hub's bootloader checks.
- ``pybricks_flash``: put such a zip on a LEGO hub through pybricksdev: its Bluetooth
  bootloader (Move, City, Technic hubs) or USB DFU (SPIKE Prime / Essential).
- ``esp``: ESP32-family images (merged, app or bootloader): validate, then flash through
  esptool's Python API with chip detection and an MD5 verification.
- ``flash``: one entry for all of them: pick the flasher from the file (``plan_flash``),
  then ``flash`` it (a UF2 board on a serial port is restarted into its bootloader first,
  and its new serial port found by comparing the ports before and after).

Modules here import their third-party libraries only when used, so
``import robokit.firmware`` stays cheap. The errors raised here belong to the one
``RobokitError`` tree.

May import: ``robokit.link``, ``robokit.protocols`` and ``robokit.errors``; nothing of the
targets above it (the caller passes what needs a target, such as entering a MicroPython
board's bootloader).
"""

from __future__ import annotations

from ..errors import FirmwareError

__all__ = ["FirmwareError"]
