"""Deprecated: ``robokit install``'s code moved to ``robokit.targets.micropython.install``.

This module re-exports it for one release and warns when imported; import from
``robokit.targets.micropython.install`` instead.
"""

from __future__ import annotations

import warnings

from .targets.micropython.install import (
    CURRENT,
    DAMAGED,
    MISSING,
    OUTDATED,
    InstallError,
    InstallReport,
    InstallStatus,
    check_install,
    install,
    plan_install,
)

warnings.warn("robokit.install moved to robokit.targets.micropython.install; import it from "
              "there (robokit.install goes away in the next release)",
              DeprecationWarning, stacklevel=2)

__all__ = ["CURRENT", "DAMAGED", "MISSING", "OUTDATED", "InstallError", "InstallReport",
           "InstallStatus", "check_install", "install", "plan_install"]
