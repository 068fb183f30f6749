"""What the host sends a MicroPython board for one job: robokit_fs in place of its import,
then only what the job's call reaches, compacted."""

from __future__ import annotations

import ast

from robokit.targets.micropython.scripts import compact, prune
from robokit.targets.micropython.upload import receiver_source

SCRIPT = '''\
import os

try:
    from binascii import crc32 as _crc
except ImportError:
    _crc = None

LIMIT = 3
UNUSED = 4


def helper(x):
    """Doubles."""
    return 2 * x


def other():
    return UNUSED


class Job:
    """Uses helper from a method."""

    def run(self):
        return helper(LIMIT)


def main():
    return Job().run()
'''


def _names(source: str) -> set[str]:
    tree = ast.parse(source)
    return {n.name if hasattr(n, "name") else n.targets[0].id for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Assign)}


def test_prune_keeps_what_the_call_reaches_through_classes_and_methods():
    kept = prune(SCRIPT, "main()")
    assert _names(kept) == {"LIMIT", "helper", "Job", "main"}
    assert "import os" not in kept  # an import is a name: unused, it goes too
    assert "from binascii import crc32" in kept  # a try defines no name: it stays
    ns: dict = {}
    exec(kept + "\nresult = main()\n", ns)
    assert ns["result"] == 6


def test_prune_of_another_call_keeps_another_part():
    assert _names(prune(SCRIPT, "print(other())")) == {"UNUSED", "other"}


def test_compact_drops_docstrings_but_keeps_a_body_that_is_only_one():
    text = compact(SCRIPT + '\n\ndef only():\n    """Nothing else here."""\n')
    assert "Doubles" not in text and "Uses helper" not in text
    assert '"""Nothing else here."""' in text
    ns: dict = {}
    exec(text, ns)
    assert ns["main"]() == 6 and ns["only"]() is None


def test_an_upload_sends_the_receiver_without_the_install_parts():
    upload, install = receiver_source("receive()"), receiver_source("receive_system()")
    assert "receive_system" not in upload and "set_crashes" not in upload
    assert "receive_system" in install and "set_crashes" in install
    assert len(upload) < len(install)
