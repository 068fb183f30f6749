"""The house holds its shape: the layers of docs/architecture.md, read off the imports,
and the one error tree drawn in robokit.errors, checked against the classes.

Every ``import`` in ``src/robokit`` counts, the ones inside functions (lazy) too; only
those under ``if TYPE_CHECKING:`` do not, since they never run.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "robokit"

# layer -> the layers it may import (besides itself). A layer is a package or a top-level
# module of robokit. "robokit" (the package's own __init__) only re-exports, lazily.
ALLOWED: dict[str, set[str]] = {
    "devices": set(),
    "protocols": set(),
    "errors": {"devices"},  # the portable root of the tree, devices/_errors.py alone
    "_extras": {"errors"},
    "_compiled": set(),  # which hot modules run compiled (robokit._compiled)
    "_sha": set(),  # SHA-256 without OpenSSL (robokit._sha)
    "_console": {"cli"},  # the console script, above the command line (robokit._console)
    "_files": {"errors"},  # writing a user's output file safely (robokit._files)
    "config": {"devices", "errors"},
    "kits": {"devices", "errors", "config", "compiler", "_files"},
    "compiler": {"devices", "errors", "config", "_files", "_sha"},
    "link": {"protocols", "errors", "_extras"},
    "firmware": {"link", "protocols", "errors", "_extras"},
    "sim": {"devices", "compiler", "config", "kits", "errors", "_files", "_sha"},
    "virtual": {"sim", "protocols", "devices", "compiler", "config", "kits", "errors"},
    "testing": {"sim", "virtual", "errors"},
    "batch": {"sim", "compiler", "config", "errors"},  # many isolated runs (robokit.batch)
    "targets": {"compiler", "link", "protocols", "sim", "firmware", "kits", "config", "errors",
                "_extras"},
    "install": {"targets"},  # robokit.install: the deprecated re-export of targets' install
    "cli": {"targets", "firmware", "compiler", "sim", "virtual", "link", "kits", "config",
            "install", "errors", "_extras", "protocols", "_files", "batch", "_compiled"},
}
#: the package's __init__ may name anything (it loads nothing until asked)
TOP = "robokit"


def _modules() -> dict[str, Path]:
    mods = {}
    for p in SRC.rglob("*.py"):
        if "pybricks_fw" in p.parts:  # MicroPython modules for the simulated hub: data
            continue
        parts = ["robokit", *p.relative_to(SRC).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = p
    return mods


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str) -> set[str]:
    """The robokit modules that module ``name`` imports, lazily or not."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(mod: str) -> None:
        while mod and mod not in MODULES:
            mod = mod.rpartition(".")[0]
        if mod.startswith("robokit") and mod != name:
            found.add(mod)

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk_one(other)
                continue
            walk_one(child)

    def walk_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES]
            if len(subs) < len(node.names):  # names from the module itself
                resolve(mod)
            for sub in subs:
                resolve(sub)
        elif (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module")
              and node.args and isinstance(node.args[0], ast.Constant)):
            target = node.args[0].value
            if target.startswith("."):
                target = package + target
            resolve(target)
        if isinstance(node, ast.If) and _is_type_checking(node):
            for other in node.orelse:
                walk_one(other)
            return
        walk(node)

    walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Each module's imports (read once, when a test first asks: not at collection, which
    every pytest-xdist worker does)."""
    return {name: _imports(name) for name in MODULES}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else TOP


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_reader_sees_lazy_imports_and_skips_type_checking_ones():
    # sim/__init__.py imports the compiler inside load_bundle only.
    assert "robokit.compiler.compile" in _graph()["robokit.sim"]
    # robokit/__init__.py loads .errors through import_module; the device API's
    # modules it names under TYPE_CHECKING only.
    assert "robokit.errors" in _graph()["robokit"]
    assert "robokit.sim" not in _graph()["robokit"]
    # A cycle is found where there is one.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_that_imports_it_back():
    assert _cycles(_graph()) == []


def test_no_cycle_between_packages():
    packages: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            a, b = _layer(module), _layer(target)
            if a != b and TOP not in (a, b):
                packages.setdefault(a, set()).add(b)
    assert _cycles(packages) == []


def test_every_layer_imports_only_the_layers_below_it():
    wrong = []
    for module, targets in sorted(_graph().items()):
        layer = _layer(module)
        if layer == TOP:
            continue
        assert layer in ALLOWED, f"{module}: a new layer; give it a row in ALLOWED and docs"
        for target in sorted(targets):
            other = _layer(target)
            # robokit itself (for __version__) is the root every module sits in
            if other not in (layer, TOP) and other not in ALLOWED[layer]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_device_api_is_portable_and_stands_alone():
    for module, targets in _graph().items():
        if _layer(module) == "devices":
            assert {t for t in targets if _layer(t) != "devices"} == set(), module


def test_links_know_nothing_of_robots_or_bundles():
    for module, targets in _graph().items():
        if _layer(module) == "link":
            assert not {t for t in targets
                        if _layer(t) in ("compiler", "config", "kits", "devices", "sim")}, module


def test_nothing_imports_the_command_line():
    # (but the console script, whose whole job is to start it: robokit._console)
    assert [m for m, ts in _graph().items() if _layer(m) not in ("cli", "_console") and
            any(_layer(t) == "cli" for t in ts)] == []


def test_protocols_are_pure():
    for module, targets in _graph().items():
        if _layer(module) == "protocols":
            assert {t for t in targets if _layer(t) != "protocols"} == set(), module
            tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
            names = {a.name.split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, (ast.Import, ast.ImportFrom))
                     for a in (n.names if isinstance(n, ast.Import) else [])}
            names |= {n.module.split(".")[0] for n in ast.walk(tree)
                      if isinstance(n, ast.ImportFrom) and n.module and not n.level}
            io = names & {"serial", "bleak", "usb", "socket", "os", "subprocess", "asyncio"}
            assert not io, f"{module} does I/O through {sorted(io)}"


def test_every_module_stays_under_800_lines():
    big = {m: n for m, p in MODULES.items()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert big == {}


def test_every_package_says_what_it_is_and_what_it_may_import():
    for module, path in MODULES.items():
        if path.name == "__init__.py" and _layer(module) in ALLOWED and module.count(".") == 1:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "May import" in doc, f"{path}: say what the package may import"


@pytest.mark.parametrize("heavy", ["numpy", "robokit.devices", "bleak", "serial", "matplotlib"])
def test_the_command_line_starts_without_heavy_modules(heavy):
    code = ("import sys, robokit.cli; "
            f"print({heavy!r} in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"import robokit.cli loads {heavy}"


def _drawn_tree() -> dict[str, str | None]:
    """class name -> parent name, as robokit.errors' docstring draws the tree."""
    import re

    import robokit.errors

    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (robokit.errors.__doc__ or "").splitlines():
        m = re.match(r"^([\s│├└─]*)([A-Z]\w*Error)\b", line)
        if not m:
            continue
        column = len(m.group(1))
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[m.group(2)] = stack[-1][1] if stack else None
        stack.append((column, m.group(2)))
    return parents


def _every_robokit_error() -> dict[str, type]:
    import importlib
    import warnings

    import robokit.errors

    for module in MODULES:
        if module == "robokit.install" or module.endswith(("__main__", "mp_agent")):
            continue  # a deprecated re-export; a command; MicroPython code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module(module)
    found: dict[str, type] = {}
    todo = [robokit.errors.RobokitError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("robokit"):
            assert cls.__name__ not in found, f"two error classes named {cls.__name__}"
            found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def test_the_error_tree_drawn_in_errors_is_the_tree_of_classes():
    import robokit
    import robokit.errors

    drawn = _drawn_tree()
    classes = _every_robokit_error()
    assert drawn["RobokitError"] is None and len(drawn) > 10
    assert sorted(drawn) == sorted(classes), "draw every error class in robokit/errors.py"
    for name, cls in classes.items():
        bases = [b.__name__ for b in cls.__bases__ if issubclass(b, robokit.errors.RobokitError)]
        assert bases == ([drawn[name]] if drawn[name] else []), name
        # one home: defined in robokit.errors (the root in devices/_errors.py, portable)
        assert cls.__module__ in ("robokit.errors", "robokit.devices._errors"), name
        assert getattr(robokit, name) is cls, f"robokit.{name}"


def test_an_error_at_a_boundary_keeps_its_cause(tmp_path):
    """A Python user (or a debugger) sees what went wrong underneath; the CLI prints only
    the message either way."""
    from robokit.config import load_robot
    from robokit.errors import ConfigError, LinkError
    from robokit.link.serial_link import SerialLink

    with pytest.raises(ConfigError) as info:
        load_robot(tmp_path / "missing.toml")
    assert isinstance(info.value.__cause__, FileNotFoundError)
    with pytest.raises(LinkError) as link_info:
        SerialLink(str(tmp_path / "no-such-port"))
    assert isinstance(link_info.value.__cause__, OSError)
