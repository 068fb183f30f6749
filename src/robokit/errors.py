"""Every error robokit raises on purpose, as one tree.

    RobokitError                    (robokit.devices._errors, portable)
    ├── DeviceError                 a device is missing, or is not what the program asks for
    ├── NoBrickError                device API used with no brick attached
    ├── UsageError                  the device API was called wrongly
    ├── ConfigError                 robot.toml is broken: names file:line and the setting
    ├── WorldError                  a world file is broken or a world name is unknown
    ├── ProgramError                the user's program cannot be loaded (syntax error,
    │                               file missing): names file:line
    │   └── CheckError              a compile-time check failed (import not on the target,
    │                               construct MicroPython lacks, program too big)
    ├── BundleError                 a bundle file is truncated, altered, of another format
    │                               version, or unsafe: says which and what to do
    ├── LinkError                   (robokit.link) a port cannot be opened or went away:
    │   │                           names it and what to try
    │   ├── ReplError               the board did not speak the (raw) REPL as expected or
    │   │                           in time; .received holds what it sent
    │   ├── UploadError             (robokit.link.upload) an upload failed: says what, and
    │   │                           that the previous program is still the active one
    │   └── PybricksLinkError       (robokit.link.pybricks_link) a Pybricks hub cannot be
    │                               found or talked to (BLE or USB)
    ├── RemoteError                 (robokit.link) code run on a board raised; .traceback
    ├── TargetError                 (robokit.targets) a brick cannot do what was asked: not
    │                               a MicroPython board, a bundle for another ABI, a program
    │                               that ignores Ctrl-C
    └── FirmwareError               (robokit.firmware) a firmware file is broken or for
                                    another chip, or flashing it failed

How a caller should react: a ``ConfigError``, ``WorldError`` or ``ProgramError``
is the user's to fix (the CLI prints the message and exits 2); a ``DeviceError``
or ``UsageError`` raised while a program runs is that program's bug (mapped to
its file:line like any other exception, exit 1).
"""

from .devices._errors import DeviceError, NoBrickError, RobokitError, UsageError


class ConfigError(RobokitError):
    """robot.toml (or a robot config dict) is invalid."""


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


__all__ = [
    "BundleError",
    "CheckError",
    "ConfigError",
    "DeviceError",
    "NoBrickError",
    "ProgramError",
    "RobokitError",
    "UsageError",
    "WorldError",
]
