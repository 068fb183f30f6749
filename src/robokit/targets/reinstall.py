"""Installing robokit again on a MicroPython board: what to keep from the installation
already there.

An install without a kit or an autostart setting keeps what the board has: the kit
recorded there (a user's own board file while it is still where it was installed
from), and the autostart setting. :func:`reinstall_settings` decides that from
``check_install``'s status; :func:`reinstall` checks and installs in one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import ProgressFn
    from .micropython.install import InstallReport, InstallStatus


def reinstall_settings(status: InstallStatus, board: str | None = None,
                       autostart: bool | None = None) -> tuple[str | None, bool]:
    """The ``(board, autostart)`` to install with: those given, else the installed ones
    (``status`` from ``check_install``; autostart off on a board without robokit)."""
    if board is None:
        board = status.install_board()
    if autostart is None:
        autostart = bool(status.autostart)
    return board, autostart


def reinstall(target: Any, *, board: str | None = None, autostart: bool | None = None,
              status: InstallStatus | None = None, progress: ProgressFn | None = None
              ) -> InstallReport:
    """Install robokit on the board behind ``target`` (as ``install`` takes it), keeping
    the installed kit and autostart setting where ``board`` / ``autostart`` are None.
    ``status``: what ``check_install`` already found (it is asked when not given)."""
    from .micropython.install import check_install, install

    if status is None:
        status = check_install(target, board=board, autostart=autostart)
    board, autostart = reinstall_settings(status, board, autostart)
    return install(target, board=board, autostart=autostart, progress=progress)
