"""Pybricks' percentages: a brightness or a volume past 0-100 is capped to it, as
Pybricks' firmware reads them (``light.on(150)`` is full brightness there), where
robokit's own device API refuses them.  Anything that is no number is left as it is,
for robokit's check to name.  Portable (MicroPython too)."""


def pct(value):
    """``value`` capped to 0-100 when it is a number; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if value < 0:
        return 0
    if value > 100:
        return 100
    return value


def pcts(values):
    """:func:`pct` of one number, or of each of a list or tuple (then a tuple)."""
    if isinstance(values, (list, tuple)):
        return tuple(pct(v) for v in values)
    return pct(values)


def pct_rows(image):
    """5 rows of 5 values with each number capped to 0-100; anything else as it is."""
    if not isinstance(image, (list, tuple)):
        return image
    return [pcts(row) if isinstance(row, (list, tuple)) else row for row in image]
