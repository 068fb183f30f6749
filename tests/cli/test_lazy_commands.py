"""The commands' modules are imported when a command runs, not at start-up, and every
command is still there: listed by --help, found by name, with its own help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from robokit.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
COMMAND_MODULES = {f"robokit.cli.{module}" for module, _ in COMMANDS.values()}

_CHILD = """
import json, sys
from robokit.cli import main
sys.argv = ["robokit", *json.loads(sys.argv[1])]
try:
    main()
finally:
    sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def command_modules_loaded(args: list[str], tmp_path: Path) -> set[str]:
    env = dict(os.environ, ROBOKIT_CACHE_DIR=str(tmp_path))
    p = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=120)
    line = next(s for s in p.stderr.splitlines() if s.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):])) & COMMAND_MODULES


def test_a_run_imports_only_its_own_commands_module(tmp_path):
    assert command_modules_loaded(["run", "examples/line_follower.py", "--duration", "0.1"],
                                  tmp_path) == {"robokit.cli.run"}


def test_board_list_imports_only_the_board_commands(tmp_path):
    assert command_modules_loaded(["board", "list"], tmp_path) == {"robokit.cli.board"}


def test_help_lists_every_command_with_its_summary():
    out = CliRunner().invoke(main, ["--help"]).output
    listed = out.split("Commands:")[1].split()
    for name in COMMANDS:
        assert name in listed, name
    assert "Run PROGRAM on the simulated brick" in out
    assert "List the built-in worlds" in out


def test_each_command_is_found_by_name_and_has_its_help():
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(main, [name, "--help"], prog_name="robokit")
        assert result.exit_code == 0, (name, result.output)
        assert result.output.startswith(f"Usage: robokit {name} "), name


def test_an_unknown_command_is_said_once():
    result = CliRunner().invoke(main, ["fly"])
    assert result.exit_code == 2
    assert "No such command 'fly'" in result.output
