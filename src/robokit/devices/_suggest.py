"""A "did you mean" for a mistyped name: the closest of the names there are.

Portable (MicroPython has no difflib): a plain edit distance (insert, delete, replace
one letter) over short names, so ``colour_sensor`` finds ``color_sensor`` and
``drivebase`` finds ``drive_base``.
"""

_LONGEST = 40  # longer names are compared by nothing (no suggestion): cost stays small


def _distance(a, b):
    """Letters to insert, delete or replace to turn ``a`` into ``b``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        cur = [i + 1]
        for j, cb in enumerate(b):
            cur.append(min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (0 if ca == cb else 1)))
        prev = cur
    return prev[-1]


def closest(name, names):
    """The name of ``names`` closest to ``name`` (case ignored), or None when none is
    close: at most one edit in three letters (at least one; the first of equally close
    names wins), else the only name holding ``name`` (or held in it)."""
    if not isinstance(name, str) or not name or len(name) > _LONGEST:
        return None
    want = name.lower()
    best = None
    best_d = max(1, len(want) // 3) + 1
    holding = []
    for n in names:
        if not isinstance(n, str) or len(n) > _LONGEST or n == name:
            continue
        low = n.lower()
        d = _distance(want, low)
        if d < best_d:
            best, best_d = n, d
        if len(want) >= 3 and (want in low or low in want):
            holding.append(n)
    if best is None and len(holding) == 1:
        return holding[0]
    return best


def did_you_mean(name, names):
    """`` Did you mean 'x'?`` (with the leading space) for the closest name, or ""."""
    hit = closest(name, names)
    return "" if hit is None else " Did you mean " + repr(hit) + "?"
