"""Optional dependencies: the packages of one way to reach a brick, installed with an
extra (``pip install "robokit[lego]"``).  A missing one is one clear error that says how
to install it (chained to the ImportError, which names the module that failed to load)."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import RobokitError

#: extra -> the packages it brings (as pyproject.toml's optional-dependencies)
EXTRAS = {"lego": ("pybricksdev",), "esp32": ("esptool",)}


def require(module: str, extra: str, what: str,
            error: type[RobokitError] = RobokitError) -> ModuleType:
    """Import ``module``, or raise ``error`` saying that ``what`` needs it and how to
    install it (the ``extra`` of robokit that brings it)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise error(f"{what} needs the Python package {module}, which is not installed: "
                    f"pip install \"robokit[{extra}]\"") from exc
