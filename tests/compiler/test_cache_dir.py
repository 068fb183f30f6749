"""The cache folder: found without platformdirs on Linux, and the very folder platformdirs
names (so a cache filled by an older robokit is still used)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from robokit.compiler.cache import ENV_VAR, default_cache_dir

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the XDG folder is looked up on Linux only")


@linux_only
@pytest.mark.parametrize("xdg", [None, "", "/tmp/xdg-cache", "relative/cache", "/x/y/"])
@pytest.mark.parametrize("home", ["/home/ann", "/home/ann/", "/"])
def test_the_folder_is_the_one_platformdirs_names(monkeypatch, xdg, home):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    expected = Path(platformdirs.user_cache_dir("robokit", appauthor=False))
    assert default_cache_dir() == expected


def test_the_environment_variable_wins_and_empty_turns_it_off(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.setenv(ENV_VAR, " ")
    assert default_cache_dir() is None


@linux_only
def test_finding_the_folder_does_not_import_platformdirs():
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    code = ("import json, sys; from robokit.compiler.cache import default_cache_dir; "
            "print(json.dumps([str(default_cache_dir()), 'platformdirs' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    folder, imported = json.loads(out)
    assert folder == platformdirs.user_cache_dir("robokit", appauthor=False)
    assert imported is False


def test_an_analysis_is_computed_once_and_an_entry_it_cannot_read_again(tmp_path):
    """compiler.cache.analysed, which every source check keeps its results in: a hit does
    not compute, a miss stores what it computed, and a stored entry its reader refuses
    (an older format) is computed and stored anew; no cache: computed each time."""
    from robokit.compiler.cache import Cache, analysed, make_key

    cache = Cache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return [[1, "a"], [2, "b"]]

    def load(data):
        return [(int(n), str(s)) for n, s in data]

    parts = ("test", "1", b"source")
    assert analysed(cache, parts, compute, load) == [(1, "a"), (2, "b")]
    assert analysed(cache, parts, compute, load) == [(1, "a"), (2, "b")]
    assert len(calls) == 1
    cache.put("analysis", make_key(*parts), json.dumps({"old": "format"}).encode())
    assert analysed(cache, parts, compute, load) == [(1, "a"), (2, "b")]
    assert len(calls) == 2
    assert json.loads(cache.get("analysis", make_key(*parts))) == [[1, "a"], [2, "b"]]
    assert analysed(Cache(None, use_default=False), parts, compute, load) == [(1, "a"), (2, "b")]
    assert len(calls) == 3
