"""robokit batch on a real Dask cluster on this machine: a scheduler and two workers, each
its own process, started here; the rows equal a local batch's."""

from __future__ import annotations

import os
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.batch.results import done_rows

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(os, "fork"), reason="robokit batch needs fork")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[str]:
    from robokit.batch.distributed import local_cluster

    with local_cluster(workers=2) as address:
        yield address


def test_a_batch_on_the_cluster_gives_the_local_rows(tmp_path: Path, cluster: str) -> None:
    good = tmp_path / "good.py"
    good.write_text(textwrap.dedent("""\
        from robokit import robot
        robot.drive_base.straight(300)
        print("done")
    """), encoding="utf-8")
    shell = tmp_path / "shell.py"
    shell.write_text("import os\ngetattr(os, 'system')('true')\n", encoding="utf-8")
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    args = ["batch", good, shell, "--world", "arena", "--seeds", "2", "--duration", "10"]
    assert invoke(*args, "--out", local).exit_code == 1  # shell.py is refused
    r = invoke(*args, "--out", remote, "--scheduler", cluster)
    assert r.exit_code == 1, r.output
    a, b = done_rows(local), done_rows(remote)
    assert set(a) == set(b) and len(a) == 4
    for key in a:
        a[key].pop("wall_time_s")
        b[key].pop("wall_time_s")
        assert a[key] == b[key]
    refused = [row for row in b.values() if row["program"].endswith("shell.py")]
    assert all(row["error"]["type"] == "Refused" for row in refused)


def test_no_scheduler_there_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.batch import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1.0)  # not the production 10 s
    good = tmp_path / "good.py"
    good.write_text("print(1)\n", encoding="utf-8")
    r = invoke("batch", good, "--scheduler", f"tcp://127.0.0.1:{free_port()}")
    assert r.exit_code == 2, r.output
    assert "no Dask scheduler answered" in r.stderr
