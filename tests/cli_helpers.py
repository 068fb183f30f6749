"""Running robokit's CLI in-process in tests (importable: tests/ is on pythonpath)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def split_runner() -> Any:
    """A click CliRunner keeping stdout and stderr apart (click < 8.2 needs asking)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(*args: str | Path) -> Any:
    """``robokit ARGS...`` in-process; the click Result (stdout and stderr apart)."""
    from robokit.cli import main

    return split_runner().invoke(main, [str(a) for a in args])


def check_main(tmp_path: Path, text: str, *options: str) -> tuple[int, str]:
    """``robokit check`` of a program ``main.py`` of ``text`` in ``tmp_path``: (exit code,
    stderr)."""
    (tmp_path / "main.py").write_text(text)
    r = invoke("check", tmp_path / "main.py", *options)
    return r.exit_code, r.stderr


def run_on_a_terminal(args: list[str], cwd: Path, timeout: float = 120
                      ) -> tuple[int, str, str]:
    """``robokit ARGS`` in a new process with stderr on a pseudo-terminal and stdout a
    pipe (where the command draws progress): (exit code, stdout, stderr)."""
    import os
    import pty
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", "from robokit.cli import main; main()",
                             *args], stdout=subprocess.PIPE, stderr=slave, cwd=cwd)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            err += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read().decode()
    return proc.wait(timeout=timeout), out, err.decode(errors="replace")
