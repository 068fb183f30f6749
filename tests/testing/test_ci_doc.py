"""docs/ci.md stays true: its workflow is valid YAML that uploads what its pytest command
writes, that command's options exist, and its example project passes, then fails with
the report the doc shows."""

from __future__ import annotations

import re
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from plot_helpers import is_plot

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")



def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", DOC, flags=re.M | re.S)


def _named_files() -> dict[str, str]:
    """The example files: a ```python block right after a line "`path`:"."""
    return dict(re.findall(r"^`([\w./-]+)`:\n\n```python\n(.*?)^```$", DOC, flags=re.M | re.S))


def _workflow_text() -> str:
    (text,) = _blocks("yaml")
    return text


def _pytest_args(run: str) -> list[str]:
    words = shlex.split(run)
    return words[words.index("pytest") + 1:]


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def _option(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(name + "=")]
    return value


def test_the_workflow_is_valid_yaml_that_uploads_what_pytest_writes() -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(_workflow_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"push", "pull_request"}
    steps = _steps(workflow)
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    needs = _config_requires_python()
    assert tuple(int(n) for n in str(setup["with"]["python-version"]).split(".")) >= needs
    runs = [s["run"] for s in steps if "run" in s]
    install = next(r for r in runs if "pip install" in r)
    test = next(r for r in runs if "pytest" in r)
    assert runs.index(install) < runs.index(test)
    args = _pytest_args(test)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"  # failing tests are when the reports are wanted
    assert steps.index(upload) > max(i for i, s in enumerate(steps) if s.get("run") == test)
    uploaded = Path(upload["with"]["path"])
    for written in (_option(args, "--junitxml"), _option(args, "--robokit-artifacts")):
        assert Path(written).is_relative_to(uploaded), (written, uploaded)


def test_the_workflow_has_the_shape_github_reads_without_yaml() -> None:
    """The same checks on the text, for a venv without PyYAML: two-space indentation,
    no tabs, the keys GitHub needs."""
    text = _workflow_text()
    assert "\t" not in text
    for line in text.splitlines():
        assert (len(line) - len(line.lstrip(" "))) % 2 == 0, line
    for key in ("name:", "on:", "jobs:", "    runs-on: ubuntu-latest", "    steps:"):
        assert any(line.startswith(key) or line.startswith("  " + key.strip())
                   for line in text.splitlines()), key
    assert re.search(r"^\s+uses: actions/upload-artifact@v\d+$", text, flags=re.M)


def _config_requires_python() -> tuple[int, ...]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    spec = config["project"]["requires-python"]
    assert spec.startswith(">=")
    return tuple(int(n) for n in spec[2:].split("."))


def test_the_workflows_pytest_options_are_registered(pytester: pytest.Pytester) -> None:
    (test,) = [line.split("run:", 1)[1] for line in _workflow_text().splitlines()
               if "run:" in line and "pytest" in line]
    args = _pytest_args(test)
    config = pytester.parseconfig(*args)  # an unknown option is a UsageError here
    assert config.getoption("robokit_artifacts") == _option(args, "--robokit-artifacts")
    assert config.getoption("xmlpath") == _option(args, "--junitxml")
    assert "--robokit-artifacts=DIR" in pytester.runpytest("--help").stdout.str()
    # every option the doc names is one pytest knows (each takes a value)
    named = set(re.findall(r"`(--[a-z-]+)", DOC))
    assert named >= {"--robokit-artifacts", "--junitxml"}
    for option in named:
        pytester.parseconfig(f"{option}=somewhere")


def _section_lines(text: str) -> list[str]:
    """Lines of a report, with a section title's dashes (the terminal's width) gone."""
    return [re.sub(r"^-+ (.*?) -+$", r"\1", line) for line in text.splitlines()]


def test_the_example_passes_then_fails_with_the_report_the_doc_shows(
        pytester: pytest.Pytester) -> None:
    files = _named_files()
    assert set(files) == {"programs/square.py", "tests/test_square.py"}
    for name, text in files.items():
        (pytester.path / name).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / name).write_text(text, encoding="utf-8")
    test = next(line.split("run:", 1)[1] for line in _workflow_text().splitlines()
                if "run:" in line and "pytest" in line)
    args = _pytest_args(test)
    assert ["python", "-m", "pytest", *args] == shlex.split(
        next(b for b in _blocks("sh") if "pytest" in b).strip())
    # pytest in a new process each time, as in CI
    pytester.runpytest_subprocess(*args).assert_outcomes(passed=1)
    assert list((pytester.path / "reports" / "robokit").iterdir()) == []

    (failing,) = [b for b in _blocks("python") if "def test_square_ends_on_the_far_side" in b]
    with (pytester.path / "tests" / "test_square.py").open("a", encoding="utf-8") as f:
        f.write("\n\n" + failing)
    outcome = pytester.runpytest_subprocess(*args)
    outcome.assert_outcomes(passed=1, failed=1)
    (sample,) = [b for b in _blocks("text") if "robokit: programs/square.py" in b]
    shown = _section_lines(outcome.stdout.str())
    for line in _section_lines(sample):
        assert line in shown, line

    artifacts = re.search(r"^artifacts in (\S+): (.*)$", sample, flags=re.M)
    assert artifacts is not None
    folder = pytester.path / artifacts.group(1)
    names = artifacts.group(2).split(", ")
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert is_plot(folder / "run-1.svg")
    xml_path = pytester.path / _option(args, "--junitxml")
    props = {p.get("name"): p.get("value") for p in ET.parse(xml_path).getroot().iter("property")}
    (pose,) = re.findall(r"^pose: (.*?) \(started", sample, flags=re.M)
    assert props["robokit.pose"] == pose
    assert f"| `robokit.pose` | `{pose}`" in DOC  # the properties table shows the same
    assert props["robokit.status"] == "finished"
    assert props["robokit.replay"] == f"{artifacts.group(1)}/run-1.html"
