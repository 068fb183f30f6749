"""Build robokit, with the simulator's hot modules compiled to C where this machine can.

robokit is pure Python (pyproject.toml holds its metadata).  When Cython (a build
requirement) and a C compiler are at hand, the modules that src/robokit/_compiled.py
names in MODULES are also built as C extensions, from the same source and the .pxd
declarations beside it.  They are optional: where the compiler fails or is missing, the
build goes on without them and robokit runs as Python.  ROBOKIT_COMPILED=0 in the
environment builds none.
"""

import ast
import os
import sys
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent


def _constant(name):
    """The constant ``name`` of src/robokit/_compiled.py (read, not imported)."""
    tree = ast.parse((HERE / "src" / "robokit" / "_compiled.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return ast.literal_eval(node.value)
    raise SystemExit(f"src/robokit/_compiled.py has no {name}")


def compiled_modules():
    """MODULES of src/robokit/_compiled.py: the modules to build."""
    return _constant("MODULES")


def extensions():
    if (os.environ.get(_constant("ENV")) or "1").strip() == "0":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    # No contraction of a*b+c into one fused operation (clang does so by default where
    # the CPU has it): the compiled modules must round as Python does.  No debug
    # information: a quarter of the size and of the build time.
    args = [] if sys.platform == "win32" else ["-O2", "-g0", "-ffp-contract=off"]
    exts = [Extension(name, ["src/" + name.replace(".", "/") + ".py"], extra_compile_args=args)
            for name in compiled_modules()]
    try:
        built = cythonize(exts, build_dir="build/cython", quiet=True,
                          compiler_directives={"language_level": 3,
                                               "annotation_typing": False})
    except Exception as e:  # (Cython refused a module: robokit is whole without them)
        print(f"robokit: the compiled core is left out ({e}); robokit runs as Python")
        return []
    for ext in built:
        ext.optional = True  # a compiler that fails or is missing leaves it out
    return built


setup(ext_modules=extensions())
