"""The build layer: program files in, verified bundle bytes out.

Bundles (``.rkb``, see ``docs/bundle-format.md``) are read, written and verified
by :mod:`robokit.compiler.bundle`; :mod:`robokit.compiler.pybricks` exports a bundle in
the multi-file format Pybricks hubs run.
"""

from .bundle import FORMAT_VERSION, Bundle, BundleModule
from .pybricks import export_pybricks, parse_pybricks

__all__ = ["FORMAT_VERSION", "Bundle", "BundleModule", "export_pybricks", "parse_pybricks"]
