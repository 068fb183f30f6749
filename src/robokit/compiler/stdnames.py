"""The names MicroPython's standard modules have, for the check.

A program that calls ``math.hypot`` or ``time.perf_counter`` runs in the simulator, whose
modules are CPython's, and stops on a brick with ``AttributeError`` (``from math import
hypot``: ``ImportError``). :func:`findings` names each such use at its line, so the
simulator does not pass what a brick refuses.

:data:`NAMES` is what MicroPython's unix port (the VM robokit runs ``--exact`` and the
simulated board on) has in each module; the ports of the kit boards (RP2040, ESP32) and
Pybricks' firmware have these names or fewer, so nothing a brick has is refused.
``tests/compiler/test_stdnames.py`` holds the table to the VM's own ``dir()``. Only
modules whose contents are the same on every port are listed (not ``sys``, ``os``,
``gc``, ``io`` or ``errno``). ``os``, whose names differ from port to port, has a table
of its own, :data:`OS_NAMES`: what every kit board's port has (RP2040 and ESP32,
MicroPython 1.19 to 1.29), so ``os.getpid()``, ``os.system()``, ``os.environ`` or
``os.path`` (the host's, in the simulator) are refused at their line. Of ``sys`` only
the names no MicroPython has are refused (:data:`SYS_ABSENT`: ``sys.setrecursionlimit``).
"""

from __future__ import annotations

import ast

from .imports import Finding, SourceModule, catches

#: Each module's public names in MicroPython (its unix port, v1.24).
NAMES: dict[str, frozenset[str]] = {
    "math": frozenset(
        "acos acosh asin asinh atan atan2 atanh ceil copysign cos cosh degrees e erf erfc "
        "exp expm1 fabs factorial floor fmod frexp gamma inf isclose isfinite isinf isnan "
        "ldexp lgamma log log10 log2 modf nan pi pow radians sin sinh sqrt tan tanh tau "
        "trunc".split()),
    "time": frozenset(
        "clock gmtime localtime mktime sleep sleep_ms sleep_us ticks_add ticks_cpu "
        "ticks_diff ticks_ms ticks_us time time_ns".split()),
    "random": frozenset("choice getrandbits randint random randrange seed uniform".split()),
    "struct": frozenset("calcsize pack pack_into unpack unpack_from".split()),
    "json": frozenset("dump dumps load loads".split()),
    "collections": frozenset("OrderedDict deque namedtuple".split()),
    "heapq": frozenset("heapify heappop heappush".split()),
    "binascii": frozenset("a2b_base64 b2a_base64 crc32 hexlify unhexlify".split()),
    "array": frozenset(["array"]),
}

#: The names of ``os`` (``uos``) a program may use: those every kit board's port has
#: (MicroPython's ``os`` with its filesystem: RP2040 and ESP32, 1.19 to 1.29). The unix
#: port (the ``--exact`` VM) has all but ``uname`` and more (``system``, ``getenv``,
#: ``errno``, ...) that no board has; a board's ``sync``, ``dupterm``, ``mount`` and its
#: filesystem classes are not on every board or not for a robot program
#: (:data:`_INSTEAD` says what to write). Pybricks firmware has no ``os`` at all (its
#: module table refuses the import).
OS_NAMES = frozenset(
    "chdir getcwd ilistdir listdir mkdir remove rename rmdir sep stat statvfs uname unlink "
    "urandom".split())

#: Names of CPython's ``sys`` that no MicroPython's ``sys`` has (its ``sys`` differs from
#: port to port, so only these are refused: what the check calls ``sys.x`` of the others
#: passes). A program reaching for ``sys.setrecursionlimit`` ran in the simulator and
#: stops on a brick with AttributeError.
SYS_ABSENT = frozenset(
    "abiflags addaudithook api_version audit base_exec_prefix base_prefix breakpointhook "
    "builtin_module_names call_tracing copyright displayhook dont_write_bytecode "
    "excepthook exception exec_prefix flags float_info float_repr_style "
    "get_asyncgen_hooks get_coroutine_origin_tracking_depth get_int_max_str_digits "
    "getallocatedblocks getdefaultencoding getdlopenflags getfilesystemencodeerrors "
    "getfilesystemencoding getprofile getrecursionlimit getrefcount getswitchinterval "
    "gettrace hash_info hexversion int_info is_finalizing maxunicode meta_path orig_argv "
    "path_hooks path_importer_cache platlibdir prefix pycache_prefix set_asyncgen_hooks "
    "set_coroutine_origin_tracking_depth set_int_max_str_digits setdlopenflags setprofile "
    "setrecursionlimit setswitchinterval stdlib_module_names thread_info unraisablehook "
    "warnoptions".split())
#: What a kit board's ``sys`` has (for "did you mean"; not a limit: see SYS_ABSENT).
SYS_NAMES = frozenset(
    "argv byteorder exit implementation modules path platform print_exception stderr stdin "
    "stdout version version_info".split())

#: Every module the check knows the names of: :data:`NAMES` (the unix port's), ``os``
#: and ``sys``.
KNOWN: dict[str, frozenset[str]] = {**NAMES, "os": OS_NAMES, "sys": SYS_NAMES}

_OSERROR = ("MicroPython raises OSError for it: catch OSError (its errno says which, e.g. "
            "e.errno == errno.ENOENT)")
#: CPython's builtins that MicroPython does not have (a name the program uses as a
#: builtin: a NameError on a brick), with what to write instead.
MISSING_BUILTINS: dict[str, str] = {
    "format": "write an f-string or str.format(): f'{x:.2f}'",
    "vars": "read the object's __dict__",
    "ascii": "use repr()",
    "breakpoint": "a brick has no debugger: print() what you want to see",
    "exit": "import sys and call sys.exit()",
    "quit": "import sys and call sys.exit()",
    "aiter": "call the object's __aiter__()",
    "anext": "await the iterator's __anext__()",
    "ModuleNotFoundError": "catch ImportError",
    "RecursionError": "MicroPython raises RuntimeError for too deep a recursion",
    "UnicodeDecodeError": "catch UnicodeError",
    "UnicodeEncodeError": "catch UnicodeError",
    "FileNotFoundError": _OSERROR,
    "FileExistsError": _OSERROR,
    "PermissionError": _OSERROR,
    "IsADirectoryError": _OSERROR,
    "NotADirectoryError": _OSERROR,
    "InterruptedError": _OSERROR,
    "BlockingIOError": _OSERROR,
    "ChildProcessError": _OSERROR,
    "ProcessLookupError": _OSERROR,
    "ConnectionError": _OSERROR,
    "ConnectionResetError": _OSERROR,
    "ConnectionAbortedError": _OSERROR,
    "ConnectionRefusedError": _OSERROR,
    "BrokenPipeError": _OSERROR,
    "TimeoutError": _OSERROR,
    "IOError": "catch OSError",
    "EnvironmentError": "catch OSError",
    "FloatingPointError": "catch ArithmeticError",
    "UnboundLocalError": "catch NameError",
    "ReferenceError": "catch Exception",
    "BufferError": "catch Exception",
    "TabError": "catch SyntaxError",
    "ExceptionGroup": "catch the exceptions one by one",
    "BaseExceptionGroup": "catch the exceptions one by one",
    "Warning": "print a message instead of a warning",
    "UserWarning": "print a message instead of a warning",
    "DeprecationWarning": "print a message instead of a warning",
    "RuntimeWarning": "print a message instead of a warning",
}

#: Methods of CPython's str that MicroPython's str lacks, whose names nothing else a robot
#: program uses is likely to have (so ``anything.rjust(5)`` is taken for a string's), with
#: what to write instead.
STR_ONLY: dict[str, str] = {
    "ljust": "pad with an f-string: f'{s:<10}'",
    "rjust": "pad with an f-string: f'{s:>10}'",
    "zfill": "pad with an f-string: f'{n:05d}' (a number) or f'{s:0>5}' (a string)",
    "removeprefix": "write s[len(p):] if s.startswith(p) else s",
    "removesuffix": "write s[:-len(x)] if x and s.endswith(x) else s",
    "capitalize": "write s[:1].upper() + s[1:].lower()",
    "casefold": "use lower()",
    "swapcase": "build it from upper() and lower()",
    "expandtabs": "use replace('\\t', '    ')",
    "format_map": "use format(**mapping)",
    "isalnum": "test isalpha() or isdigit()",
    "isnumeric": "use isdigit()",
    "isdecimal": "use isdigit()",
    "isidentifier": "test the characters with isalpha() and isdigit()",
    "isprintable": "compare the characters' ord() with 32 and 127",
    "isascii": "test all(ord(c) < 128 for c in s)",
    "istitle": "compare with the words' [:1].upper()",
}

#: Methods of CPython's str that MicroPython's str lacks but other objects often have (a
#: window's title, a shape's translate): found only on a string written out
#: (``'abc'.title()``, an f-string's) or on ``str`` itself (``str.maketrans``).
STR_WRITTEN: dict[str, str] = {
    "title": "write ' '.join(w[:1].upper() + w[1:].lower() for w in s.split(' '))",
    "translate": "replace the characters one at a time with replace()",
    "maketrans": "replace the characters one at a time with replace()",
}

#: Keyword arguments MicroPython's builtins take only by position (a TypeError there):
#: the builtin's name, or ``.method`` for a method of str or bytes, -> the keywords.
POSITIONAL_ONLY: dict[str, tuple[str, ...]] = {
    "int": ("base",), "round": ("ndigits",), "sum": ("start",),
    "str": ("encoding", "errors"), "bytes": ("encoding", "errors"),
    "bytearray": ("encoding", "errors"),
    ".split": ("sep", "maxsplit"), ".rsplit": ("sep", "maxsplit"),
    ".encode": ("encoding", "errors"), ".decode": ("encoding", "errors"),
    ".from_bytes": ("byteorder", "signed"),
}

#: Keyword arguments of CPython's builtins that MicroPython's do not take at all (a
#: TypeError there): the builtin's name -> the keyword -> what to write instead.
NO_KEYWORD: dict[str, dict[str, str]] = {
    "print": {"flush": "leave it out: a brick's print() writes its line at once"},
    "zip": {"strict": "leave it out, and compare the lengths first if they must match"},
}

#: MicroPython's older names of the same modules.
_U_NAMES = {"u" + name: name for name in KNOWN}

_NO_ENV = ("a brick has no environment variables: put the setting in a module of the "
           "project (a config.py the program imports)")
_NO_RECURSION_LIMIT = ("a brick's recursion depth is set by its stack, not by a limit: "
                       "write the recursion as a loop")
_NO_MOUNT = ("a robot program does not mount filesystems: the board mounts its own at boot "
             "(MicroPython 1.23 and later have this in the vfs module)")
#: Names some kit boards' os has and others (or the simulator) not: refused as not on
#: every board, rather than as missing from MicroPython.
_SOME_BOARDS = frozenset(
    "sync dupterm dupterm_notify mount umount VfsFat VfsLfs1 VfsLfs2".split())

#: What to write instead, for the names a program written for CPython reaches for most.
_INSTEAD = {
    ("math", "hypot"): "write math.sqrt(x * x + y * y)",
    ("math", "dist"): "write math.sqrt(dx * dx + dy * dy)",
    ("math", "prod"): "multiply in a loop",
    ("time", "perf_counter"): "time the code with time.ticks_us() and time.ticks_diff()",
    ("time", "perf_counter_ns"): "time the code with time.ticks_us() and time.ticks_diff()",
    ("time", "monotonic"): "time the code with time.ticks_ms() and time.ticks_diff()",
    ("time", "monotonic_ns"): "time the code with time.ticks_us() and time.ticks_diff()",
    ("time", "process_time"): "time the code with time.ticks_us() and time.ticks_diff()",
    ("random", "gauss"): "add up a few random.uniform() draws, or write Box-Muller",
    ("random", "normalvariate"): "add up a few random.uniform() draws, or write Box-Muller",
    ("random", "shuffle"): "swap items with random.randrange() in a loop",
    ("random", "sample"): "draw with random.choice() and remove what was drawn",
    ("random", "choices"): "draw with random.choice() in a loop",
    ("collections", "Counter"): "count in a dict: d[k] = d.get(k, 0) + 1",
    ("collections", "defaultdict"): "use a dict with d.get(k, default) or d.setdefault()",
    ("os", "getpid"): "a brick runs one program and has no process ids: remove it",
    ("os", "getppid"): "a brick runs one program and has no process ids: remove it",
    ("os", "system"): "a brick has no shell: do the work in Python",
    ("os", "popen"): "a brick has no shell: do the work in Python",
    ("os", "environ"): _NO_ENV,
    ("os", "getenv"): _NO_ENV,
    ("os", "putenv"): _NO_ENV,
    ("os", "unsetenv"): _NO_ENV,
    ("os", "path"): "join paths with '/' (folder + '/' + name) and test that one exists "
                    "with os.stat() in try/except OSError",
    ("os", "makedirs"): "make each folder with os.mkdir() in try/except OSError",
    ("os", "removedirs"): "remove each folder with os.rmdir()",
    ("os", "replace"): "use os.rename()",
    ("os", "walk"): "list each folder with os.ilistdir() (its entries' type 0x4000 is a "
                    "folder)",
    ("os", "scandir"): "use os.ilistdir(): it yields (name, type, inode[, size])",
    ("os", "_exit"): "import sys and call sys.exit(code)",
    ("os", "exit"): "import sys and call sys.exit(code)",
    ("os", "kill"): "a brick runs one program: end it with sys.exit()",
    ("os", "sync"): "a file is on the flash once it is closed: write it in a "
                    "'with open(...) as f:'",
    ("os", "dupterm"): "print() goes to the board's console",
    ("os", "dupterm_notify"): "print() goes to the board's console",
    ("os", "errno"): "catch OSError as e and read e.errno",
    ("os", "strerror"): "print the OSError's errno (e.errno) and compare it with the errno "
                        "module's constants",
    ("os", "cpu_count"): "a kit board runs a program on one core: remove it",
    **{("os", name): _NO_MOUNT for name in ("mount", "umount", "VfsFat", "VfsLfs1",
                                             "VfsLfs2", "VfsPosix")},
    ("sys", "setrecursionlimit"): _NO_RECURSION_LIMIT,
    ("sys", "getrecursionlimit"): _NO_RECURSION_LIMIT,
    ("sys", "exception"): "catch it where it is raised: except Exception as e",
    ("sys", "excepthook"): "catch the exception around the program's main function and "
                           "print it there with sys.print_exception(e)",
    ("sys", "float_info"): "a kit board's floats are 32-bit: the largest is about 3.4e38, "
                           "the epsilon about 1.2e-7",
    ("sys", "maxunicode"): "MicroPython's strings are UTF-8, to 0x10FFFF",
    ("sys", "getdefaultencoding"): "MicroPython's strings are UTF-8",
    ("sys", "getfilesystemencoding"): "MicroPython's strings are UTF-8",
    ("sys", "hexversion"): "compare sys.implementation.version, a tuple",
    ("sys", "getrefcount"): "a brick has no reference counts: gc.mem_free() says what is free",
}


def findings(mod: SourceModule, tree: ast.Module) -> list[Finding]:
    """Each use in ``mod`` of a name that MicroPython's module lacks: ``math.hypot(...)``
    after ``import math`` (or ``umath``, ``import math as m``), and ``from math import
    hypot``; of a builtin it lacks (``format``, ``FileNotFoundError``: see
    :data:`MISSING_BUILTINS`) and of a str method it lacks (``s.rjust(5)``: see
    :data:`STR_ONLY`; ``'abc'.title()``: :data:`STR_WRITTEN`), either not defined by the
    module itself. Not inside a ``try`` that catches the error it raises on a brick."""
    lines = mod.source.decode("utf-8", "replace").splitlines()
    out: list[Finding] = []

    def add(node: ast.AST, module: str, name: str, alias: str, what: str = "") -> None:
        line = getattr(node, "lineno", 1)
        code = lines[line - 1] if 0 < line <= len(lines) else ""
        fix = _INSTEAD.get((module, name))
        if fix is None:
            from ..devices._suggest import closest

            near = closest(name, sorted(KNOWN[module]))
            fix = (f"did you mean {alias}.{near}?" if near is not None
                   else f"it has {', '.join(sorted(KNOWN[module]))}")
        why = (f" (the simulator's {module} is CPython's, a brick's is not)"
               if _in_cpython(module, name) else "")
        if not what and module == "os" and name in _SOME_BOARDS:
            what, why = f"{alias}.{name}: not every kit board's os has {name}", ""
        what = what or f"{alias}.{name}: MicroPython's {module} has no {name}"
        out.append(Finding(mod.relpath, line, getattr(node, "col_offset", 0),
                           f"{what}{why}; {fix}", code))

    walker = _Walker()
    walker.visit(tree)
    bound: dict[str, str] = {}  # the program's name for a module -> the module
    for node, guarded in walker.imports:
        if isinstance(node, ast.Import):
            for a in node.names:
                module = _U_NAMES.get(a.name, a.name)
                top, dot, sub = a.name.partition(".")
                if dot and _U_NAMES.get(top, top) in KNOWN and not guarded:
                    add(node, _U_NAMES.get(top, top), sub.partition(".")[0], top,
                        what=f"import {a.name}: MicroPython has no module {a.name}")
                if module in KNOWN:
                    bound[a.asname or a.name] = module
        elif node.level == 0 and node.module is not None and not guarded:
            module = _U_NAMES.get(node.module, node.module)
            for a in node.names if module in KNOWN else ():
                if a.name != "*" and _judged(module, a.name):
                    add(node, module, a.name, node.module)
    for alias in walker.rebound:
        bound.pop(alias, None)  # the name holds something else somewhere: not judged
    for use in walker.attributes:
        value = use.value
        assert isinstance(value, ast.Name)
        of = bound.get(value.id)
        if of is not None and _judged(of, use.attr):
            add(use, of, use.attr, value.id)
    for use in walker.methods:
        if use.attr not in walker.rebound:  # (not a method the module defines itself)
            line = use.lineno
            at = use.col_offset  # (the caret under the dot, when it is on that line)
            if use.end_lineno == line and use.end_col_offset is not None:
                at = use.end_col_offset - len(use.attr) - 1
            out.append(Finding(
                mod.relpath, line, at,
                f".{use.attr}(): MicroPython's str has no {use.attr} (the simulator's "
                f"strings are CPython's, a brick's are not); "
                f"{STR_ONLY.get(use.attr) or STR_WRITTEN[use.attr]}",
                lines[line - 1] if 0 < line <= len(lines) else ""))
    for call, func, arg in walker.keywords:
        if func.lstrip(".") in walker.rebound or (func[0] != "." and func in walker.imported):
            continue  # the module's own function or method of that name
        line = call.lineno
        instead = NO_KEYWORD.get(func, {}).get(arg)
        if instead is not None:
            out.append(Finding(
                mod.relpath, line, call.col_offset,
                f"{func}(..., {arg}=...): MicroPython's {func}() has no {arg} (a TypeError "
                f"on a brick; the simulator runs CPython's); {instead}",
                lines[line - 1] if 0 < line <= len(lines) else ""))
            continue
        extra = (f" ({func}(None, 1) when there is no sep)"
                 if func in (".split", ".rsplit") and arg == "maxsplit" else "")
        out.append(Finding(
            mod.relpath, line, call.col_offset,
            f"{func}(..., {arg}=...): MicroPython's {func.lstrip('.')}() takes {arg} only by "
            f"position (a TypeError on a brick; the simulator runs CPython's); pass it by "
            f"position, without '{arg}='{extra}",
            lines[line - 1] if 0 < line <= len(lines) else ""))
    if not walker.star:  # (names a ``from x import *`` brings are not known here)
        for name in walker.names:
            if name.id in MISSING_BUILTINS and name.id not in walker.rebound and \
                    name.id not in walker.imported:
                line = name.lineno
                out.append(Finding(
                    mod.relpath, line, name.col_offset,
                    f"{name.id}: MicroPython has no builtin {name.id} (the simulator runs "
                    f"CPython, a brick does not); {MISSING_BUILTINS[name.id]}",
                    lines[line - 1] if 0 < line <= len(lines) else ""))
    return out


#: The exceptions whose handler makes a use of a missing name deliberate (a program that
#: tries ``math.hypot`` and falls back).
_CAUGHT = ("AttributeError", "ImportError", "ModuleNotFoundError", "NameError", "Exception",
           "BaseException")


class _Walker(ast.NodeVisitor):
    """The module's imports (with whether a ``try`` guards them), its ``name.attr`` and
    ``name`` reads outside such a ``try``, and every name it binds."""

    def __init__(self) -> None:
        self.imports: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
        self.attributes: list[ast.Attribute] = []
        #: The names read outside such a ``try`` (a builtin MicroPython lacks, say).
        self.names: list[ast.Name] = []
        #: ``x.rjust`` and the like (:data:`STR_ONLY`; :data:`STR_WRITTEN` on a written
        #: string) read outside such a ``try``.
        self.methods: list[ast.Attribute] = []
        #: Calls passing by keyword what MicroPython takes by position only (the call,
        #: the name as :data:`POSITIONAL_ONLY` has it, the keyword).
        self.keywords: list[tuple[ast.Call, str, str]] = []
        self.rebound: set[str] = set()  # assigned, defined, parameters
        self.imported: set[str] = set()
        self.star = False  # a ``from x import *``
        self._guarded = 0

    def visit_Import(self, node: ast.Import) -> None:
        self.imports.append((node, self._guarded > 0))
        for a in node.names:
            self.imported.add(a.asname or a.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.imports.append((node, self._guarded > 0))
        for a in node.names:
            if a.name == "*":
                self.star = True
            self.imported.add(a.asname or a.name)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load) and not self._guarded:
            if isinstance(node.value, ast.Name):
                self.attributes.append(node)
            if node.attr in STR_ONLY or (node.attr in STR_WRITTEN and _written_str(node.value)):
                self.methods.append(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        name = (f.id if isinstance(f, ast.Name) else "." + f.attr
                if isinstance(f, ast.Attribute) else "")
        for kw in node.keywords if not self._guarded else ():
            if kw.arg in POSITIONAL_ONLY.get(name, ()) or kw.arg in NO_KEYWORD.get(name, {}):
                self.keywords.append((node, name, kw.arg))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Constant) and node.value.value is None:
            # ``os = None`` (the fallback of a guarded import) binds nothing whose
            # attributes the program could read: not a rebinding of the module's name
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    self.visit(target)
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.rebound.add(node.id)
        elif not self._guarded:
            self.names.append(node)

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.rebound.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_arg(self, node: ast.arg) -> None:
        self.rebound.add(node.arg)

    def visit_Try(self, node: ast.Try) -> None:
        guard = any(catches(h, _CAUGHT) for h in node.handlers)
        self._guarded += guard
        for stmt in node.body:
            self.visit(stmt)
        self._guarded -= guard
        for other in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(other)


def _judged(module: str, name: str) -> bool:
    """Whether ``module.name`` is one MicroPython's ``module`` lacks (a private name only
    when it is one a program reaches for: ``os._exit``)."""
    if module == "sys":
        return name in SYS_ABSENT
    return name not in KNOWN[module] and (not name.startswith("_") or (module, name) in _INSTEAD)


def _in_cpython(module: str, name: str) -> bool:
    import importlib

    return hasattr(importlib.import_module(module), name)


def _written_str(node: ast.expr) -> bool:
    """A string written out in the program (a literal, an f-string), or ``str`` itself."""
    return (isinstance(node, ast.JoinedStr)
            or (isinstance(node, ast.Constant) and isinstance(node.value, str))
            or (isinstance(node, ast.Name) and node.id == "str"))
