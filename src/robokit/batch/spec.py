"""A batch spec file (``robokit batch spec.toml``): what to run and how to grade it.

```toml
programs = ["submissions/"]        # files, project folders, folders of submissions
worlds = ["maze"]                  # default: each program's own header
seeds = 3                          # 1..3, or a list [1, 7, 9]; default: one run, no noise
duration = 60                      # simulated seconds per run
cpu_limit = 300                    # per run (seconds of CPU); memory_limit in MB

[params]                           # a sweep: every combination, set as the program's
KP = [0.8, 1.0, 1.2]               # own top-level constants (robokit.batch.params)

[[checks]]                         # each run earns the points of the checks it passes
name = "reaches the green goal"
ends_on = "green"
points = 5
```

Paths are taken from the spec file's folder. A wrong key or value is one message naming
the spec file and what to write.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RobokitError
from .checks import Check, parse_checks
from .params import Scalar, check_values, grid

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_KEYS = {"programs", "worlds", "seeds", "duration", "params", "checks", "cpu_limit",
         "memory_limit"}


@dataclass
class Spec:
    programs: list[Path]
    worlds: list[str | None] = field(default_factory=lambda: [None])
    seeds: list[int | None] = field(default_factory=lambda: [None])
    duration: float | None = None
    params: list[dict[str, Scalar]] = field(default_factory=lambda: [{}])
    checks: list[Check] = field(default_factory=list)
    cpu_limit: float | None = None
    memory_limit: int | None = None


def load_spec(path: Path) -> Spec:
    """The spec in ``path``; a RobokitError naming the file for anything wrong."""
    from ..config import read_text

    label = str(path)
    try:
        text = read_text(path, label, RobokitError, 1_000_000, "batch spec")
    except OSError as exc:
        raise RobokitError(f"{label}: cannot read the batch spec ({exc.strerror or exc})") \
            from exc
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RobokitError(f"{label}: not valid TOML ({exc}); fix the syntax") from exc
    except (RecursionError, ValueError) as exc:
        from ..config import parse_problem

        raise RobokitError(f"{label}: {parse_problem(text, exc)}") from exc
    unknown = set(d) - _KEYS
    if unknown:
        raise RobokitError(f"{label}: unknown setting {sorted(unknown)[0]!r}; the settings are "
                           f"{', '.join(sorted(_KEYS))}")
    base = path.parent
    programs = d.get("programs")
    if isinstance(programs, str):
        programs = [programs]
    if (not isinstance(programs, list) or not programs
            or not all(isinstance(p, str) for p in programs)):
        raise RobokitError(f"{label}: programs must be a list of paths (files or folders), "
                           'like programs = ["submissions/"]')
    spec = Spec(programs=[base / p for p in programs])
    worlds = d.get("worlds")
    if isinstance(worlds, str):
        worlds = [worlds]
    if worlds is not None:
        if (not isinstance(worlds, list) or not worlds
                or not all(isinstance(w, str) for w in worlds)):
            raise RobokitError(f"{label}: worlds must be a list of world names or files")
        spec.worlds = [w if (base / w).suffix not in (".toml", ".json") else str(base / w)
                       for w in worlds]
    seeds = d.get("seeds")
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if not 1 <= seeds <= 100_000:
            raise RobokitError(f"{label}: seeds = {seeds}: give 1 to 100000 (runs seeds 1..N)")
        spec.seeds = list(range(1, seeds + 1))
    elif seeds is not None:
        if (not isinstance(seeds, list) or not seeds
                or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)):
            raise RobokitError(f"{label}: seeds must be a number N (seeds 1..N) or a list of "
                               "whole numbers")
        spec.seeds = list(seeds)
    if "duration" in d:
        from ..sim.brick import check_duration

        spec.duration = check_duration(d["duration"], f"{label}: duration")
    if "params" in d:
        spec.params = grid(check_values(d["params"], label))
    if "checks" in d:
        spec.checks = parse_checks(d["checks"], label)
    for key, low in (("cpu_limit", 1), ("memory_limit", 64)):
        if key in d:
            v: Any = d[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < low:
                raise RobokitError(f"{label}: {key} must be a number of at least {low}")
            setattr(spec, key, v if key == "cpu_limit" else int(v))
    return spec
