"""The one check of the device API's numeric arguments.  Portable (MicroPython too).

Every number a program hands the device API goes through :func:`number` (any finite
number within the device API's bound) or :func:`in_range` (a documented range), so
NaN, infinity and absurd magnitudes end in one :class:`UsageError` that names the
argument, its value and the range accepted, on the host and on bricks alike
(``docs/limits.md``).  No ``math.isfinite``: not every MicroPython port has it;
NaN fails every comparison, and infinity lies beyond any finite bound.
"""

from ._errors import UsageError

#: The largest magnitude a numeric argument of the device API may have when no
#: narrower range applies (1e9: a billion mm, degrees or ms).
NUMBER_MAX = 1000000000


def number(value, what, unit="", lo=-NUMBER_MAX, hi=NUMBER_MAX):
    """``value`` as a float, checked to be a number from ``lo`` to ``hi``; else a
    UsageError naming ``what``, the value and the range."""
    t = type(value)
    if t is not float and t is not int and (isinstance(value, bool)
                                            or not isinstance(value, (int, float))):
        raise UsageError(f"{what} must be a number, not {repr(value)}")
    # NaN fails both comparisons; an int too large for a float compares exactly
    if not (lo <= value <= hi):
        unit = " " + unit if unit else ""
        raise UsageError(f"{what} must be from {fmt(lo)} to {fmt(hi)}{unit}, not {fmt(value)}")
    return float(value)


def in_range(value, what, lo, hi, unit):
    """``value`` as a float checked to lie in ``lo..hi`` (``unit`` for the message)."""
    return number(value, what, unit, lo, hi)


def fmt(x):
    """A number for a message: whole numbers without ".0", NaN and infinity by name,
    huge ones short."""
    if isinstance(x, int):
        s = str(x)
        return s if len(s) <= 16 else f"{s[:4]}... ({len(s)} digits)"
    if x != x or x - x != 0:  # NaN, or +-infinity (inf - inf is NaN)
        return repr(x)
    if -1e15 < x < 1e15 and x == int(x):
        return str(int(x))
    return f"{x:.3g}"


def items(value, what, example, single=(), kind="a list"):
    """``value``, a list or other collection, as a list; for a string, one item of the
    ``single`` types (one Color where a list of them belongs: a Color iterates as its h,
    s, v) or no collection, a UsageError: "``what`` must be ``kind`` such as
    ``example``, not ..."."""
    if not isinstance(value, (str, bytes)) and not isinstance(value, single):
        try:
            return list(value)
        except TypeError:
            pass
    shown = str(value) if isinstance(value, single) else repr(value)
    raise UsageError(f"{what} must be {kind} such as {example}, not {shown}")
