"""Start-up: importing the bundle module compiles methods only for the bundle's own
public dataclasses (Bundle, BundleModule), not for the row a reader checks the module
table into (a plain class: ~0.7 ms of every run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys
import copy, dataclasses, hashlib, json, math, re, struct, typing, robokit.errors
firsts = []  # the first field of each generated __init__(self, FIELD: ..., ...)
def hook(event, args):
    source = args[0] if event == 'compile' and args[1] == '<string>' else None
    if isinstance(source, bytes) and b'def __init__(self,' in source:
        firsts.append(source.split(b'def __init__(self,', 1)[1].split(b':', 1)[0].strip())
sys.addaudithook(hook)
import robokit.compiler.bundle
for first in firsts:
    print(first.decode())
"""


def test_the_bundle_module_compiles_an_init_only_for_bundle_and_bundle_module():
    p = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                       cwd=ROOT, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stderr
    # BundleModule(name, ...) and Bundle(program, ...)
    assert sorted(p.stdout.split()) == ["name", "program"]
