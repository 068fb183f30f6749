"""Every error robokit raises on purpose, as one tree, defined here.

    RobokitError                    the root (robokit.devices._errors, portable)
    ├── DeviceError                 a device is missing, or is not what the program asks for
    ├── NoBrickError                device API used with no brick attached
    ├── UsageError                  the device API was called wrongly
    ├── ConfigError                 robot.toml or a board file is broken: names file:line
    │                               and the setting
    ├── WorldError                  a world file is broken or a world name is unknown
    ├── ProgramError                the user's program cannot be loaded (syntax error,
    │   │                           file missing): names file:line
    │   └── CheckError              a compile-time check failed (import not on the target,
    │                               construct MicroPython lacks, program too big)
    ├── BundleError                 a bundle file is truncated, altered, of another format
    │                               version, or unsafe: says which and what to do
    ├── LinkError                   a port cannot be opened or went away: names it and
    │   │                           what to try
    │   ├── ReplError               the board did not speak the (raw) REPL as expected or
    │   │                           in time; .received holds what it sent
    │   ├── UploadError             an upload failed: says what, and that the previous
    │   │   │                       program is still the active one; .transient, .attempts
    │   │   └── FrameError          bytes that are not a valid upload frame
    │   └── PybricksLinkError       a Pybricks hub cannot be found or talked to (BLE or USB)
    │       └── UploadRefusedError  the hub will not take the program (too large, format)
    ├── RemoteError                 code run on a board raised; .traceback, .stdout
    ├── TargetError                 a brick cannot do what was asked: not a MicroPython
    │                               board, a bundle for another ABI, a program that
    │                               ignores Ctrl-C
    └── FirmwareError               a firmware file is broken or for another chip, or
        │                           flashing it failed
        ├── PybricksFirmwareError   a Pybricks firmware.zip cannot be used
        └── InstallError            installing robokit on a board failed, or the board is
                                    not one robokit can install on

The layers raise these under their own names too (``robokit.link.LinkError`` is
``robokit.errors.LinkError``); ``robokit`` itself exposes every one of them.
``tests/test_layers.py`` checks this drawing against the classes.

How a caller should react: a ``ConfigError``, ``WorldError`` or ``ProgramError``
is the user's to fix (the CLI prints the message and exits 2); a ``DeviceError``
or ``UsageError`` raised while a program runs is that program's bug (mapped to
its file:line like any other exception, exit 1).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any


def _root() -> Any:
    """``robokit.devices._errors``, the portable root of the tree, without loading the
    device API: importing it by name would run ``robokit/devices/__init__.py`` (every
    device module) first, and ``import robokit.cli`` must stay light.  The module is
    registered under its own name, so the device API, when it loads, finds and uses this
    very module: one set of classes."""
    name = "robokit.devices._errors"
    module = sys.modules.get(name)
    if module is None:
        import importlib.util
        from pathlib import Path

        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("devices") / "_errors.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from .devices._errors import DeviceError, NoBrickError, RobokitError, UsageError
else:
    _r = _root()
    RobokitError = _r.RobokitError
    DeviceError = _r.DeviceError
    NoBrickError = _r.NoBrickError
    UsageError = _r.UsageError
    del _r


class ConfigError(RobokitError):
    """robot.toml (or a robot config dict, or a board file) is invalid."""


class WorldError(RobokitError):
    """A world file is invalid, or no built-in world has that name."""


class ProgramError(RobokitError):
    """The program cannot be loaded: missing file, syntax error."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line


class CheckError(ProgramError):
    """The program uses something its target does not have, or does not fit on it."""


class BundleError(RobokitError):
    """A bundle cannot be read or trusted: truncated, altered, wrong version, unsafe."""


class LinkError(RobokitError):
    """The byte link failed: the port cannot be opened, or it went away.

    The message names the port and what to try.
    """


class ReplError(LinkError):
    """The board did not speak the (raw) REPL protocol as expected, or did not answer in time.

    ``received`` holds the bytes that did arrive (useful to tell a silent port from a
    board that is not running MicroPython).
    """

    def __init__(self, message: str, received: bytes = b""):
        super().__init__(message)
        self.received = received


class UploadError(LinkError):
    """An upload to a board failed; the message says what failed and what is on the board.

    ``transient``: the failure may pass if the upload starts over (a timeout, a reset, a
    desynchronised framing); ``attempts``: how many were made (on the final error);
    ``sent``: the data bytes the board acknowledged in the last attempt; ``stage``: where
    the last attempt left the board (``link.upload.BEFORE``, ``COMMITTING``, ``COMMITTED``)."""

    def __init__(self, message: str, *, transient: bool = False, attempts: int = 1,
                 sent: int = 0, stage: str = "before"):
        super().__init__(message)
        self.transient = transient
        self.attempts = attempts
        self.sent = sent
        self.stage = stage


class FrameError(UploadError):
    """Bytes that are not a valid upload frame (bad magic, kind, length or CRC)."""


class PybricksLinkError(LinkError):
    """The hub cannot be found, connected to or talked to; the message names the hub
    and what to try."""


class UploadRefusedError(PybricksLinkError):
    """The program was not sent: too large for the hub, or a format it does not take."""


class RemoteError(RobokitError):
    """Code run on the board raised an exception; ``traceback`` is the board's text of it.

    ``stdout`` is what the code printed before it raised.
    """

    def __init__(self, traceback: str, stdout: bytes = b""):
        super().__init__(traceback)
        self.traceback = traceback
        self.stdout = stdout


class TargetError(RobokitError):
    """robokit could not do what was asked of a brick (wrong port, no brick, a bundle for
    another ABI, a brick that will not stop). The message says what to try."""


class FirmwareError(RobokitError):
    """A firmware image is broken or for another chip, or flashing it failed.

    The message says what is wrong, where (block number, byte offset, file) and what
    to do about it.
    """


class PybricksFirmwareError(FirmwareError):
    """A Pybricks firmware.zip cannot be used: says which file, what is wrong and what to do."""


class InstallError(FirmwareError):
    """Installing robokit on a board failed, or the board is not one robokit can install
    on; the message says what, where, and what to do (and what is left on the board)."""


__all__ = [
    "BundleError",
    "CheckError",
    "ConfigError",
    "DeviceError",
    "FirmwareError",
    "FrameError",
    "InstallError",
    "LinkError",
    "NoBrickError",
    "ProgramError",
    "PybricksFirmwareError",
    "PybricksLinkError",
    "RemoteError",
    "ReplError",
    "RobokitError",
    "TargetError",
    "UploadError",
    "UploadRefusedError",
    "UsageError",
    "WorldError",
]
