"""robokit_sim in a CI job grading a class: a submission robokit cannot run (a missing
import, a file that is not UTF-8) fails its test with the one message robokit has for it,
not a traceback through robokit's own compiler."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TEST = """\
import pytest
from robokit.errors import RobokitError

def test_student(robokit_sim):
    robokit_sim("missing.py")

def test_latin1(robokit_sim):
    robokit_sim("latin1.py")

def test_raises_still_sees_the_error(robokit_sim):
    with pytest.raises(RobokitError, match="numpy_not_here"):
        robokit_sim("missing.py")
"""


def _session(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    (pytester.path / "missing.py").write_text("import numpy_not_here\n", encoding="utf-8")
    (pytester.path / "latin1.py").write_bytes(b'print("caf\xe9")\n')
    (pytester.path / "test_class.py").write_text(TEST, encoding="utf-8")
    outcome = pytester.runpytest("-p", "no:cacheprovider", *args)
    outcome.assert_outcomes(failed=2, passed=1)
    return outcome


def test_a_program_robokit_cannot_run_is_its_message_not_robokits_frames(
        pytester: pytest.Pytester) -> None:
    text = _session(pytester).stdout.str()
    assert "robokit.errors.CheckError: missing.py:1: 'numpy_not_here' is neither" in text
    assert "robokit.errors.ProgramError: latin1.py:1: not UTF-8 text" in text
    assert 'robokit_sim("missing.py")' in text  # the test's own line
    for frame in ("compile.py", "checks.py", "imports.py", "UnicodeDecodeError",
                  "pytest_plugin.py", "sim/__init__.py"):
        assert frame not in text, text


def test_fulltrace_still_shows_robokits_frames(pytester: pytest.Pytester) -> None:
    text = _session(pytester, "--fulltrace").stdout.str()
    assert "compile.py" in text and "numpy_not_here" in text


def test_a_file_that_is_not_utf8_is_named_by_the_path_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """subs/latin1.py:1, as a syntax error in it is named, not latin1.py:1."""
    from cli_helpers import invoke

    monkeypatch.chdir(tmp_path)
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "latin1.py").write_bytes(b'print("caf\xe9")\n')
    r = invoke("run", "subs/latin1.py")
    assert r.exit_code == 2
    assert r.stderr.startswith("robokit: run: subs/latin1.py:1: not UTF-8 text")
