"""How long loading a world of many shapes takes: 100,000 boxes, lines, walls or circles,
as TOML and as JSON.  Run: python benchmarks/world_load.py [COUNT]

Prints the wall time of parse_world (parse + checks + the wall index) for each file, and
of the TOML parser alone, which bounds what robokit can do for a TOML world (docs/limits.md).
Not a test: tests never assert on wall time.
"""

from __future__ import annotations

import json
import random
import sys
import time

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from robokit.sim.world import parse_world


def world_text(kind: str, n: int, fmt: str) -> str:
    rnd = random.Random(1)
    half = 20000.0

    def xy() -> list[float]:
        return [round(rnd.uniform(-half + 100, half - 100), 1),
                round(rnd.uniform(-half + 100, half - 100), 1)]

    items: list[dict] = []
    for _ in range(n):
        if kind == "boxes":
            items.append({"center": xy(), "size": [40, 40]})
        elif kind == "circles":
            items.append({"center": xy(), "radius": 20})
        else:
            a = xy()
            items.append({"points": [a, [a[0] + 30, a[1] + 10]]})
    data = {"name": kind, "size": [2 * half + 400, 2 * half + 400],
            "start": {"x": -half - 150, "y": -half - 150}, kind: items}
    if fmt == "json":
        return json.dumps(data)
    out = [f'name = "{kind}"', f"size = [{2 * half + 400}, {2 * half + 400}]",
           f"start = {{ x = {-half - 150}, y = {-half - 150} }}"]
    for it in items:
        out.append(f"[[{kind}]]")
        out.extend(f"{k} = {json.dumps(v)}" for k, v in it.items())
    return "\n".join(out) + "\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for kind in ("boxes", "lines", "walls", "circles"):
        for fmt in ("json", "toml"):
            text = world_text(kind, n, fmt)
            t = time.perf_counter()
            parse_world(text, f"{kind}.{fmt}", fmt)
            total = time.perf_counter() - t
            extra = ""
            if fmt == "toml":
                t = time.perf_counter()
                tomllib.loads(text)
                extra = f" (of which the TOML parser alone {time.perf_counter() - t:.2f} s)"
            print(f"{n:,} {kind:8} {fmt}: {total:.2f} s{extra}", flush=True)


if __name__ == "__main__":
    main()
