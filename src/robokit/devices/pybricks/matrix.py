"""Pybricks' ``Matrix``, ``vector`` and ``cross`` (``pybricks.tools``): small immutable
matrices of floats.  Portable (MicroPython too).

``A + B``, ``A - B``, ``-A``, ``A * B`` (matrix product), ``c * A``, ``A * c``,
``A / c``, ``A // c``; ``A.T``, ``A.shape``; ``A[r, c]``, and ``v[i]`` for the i-th of
all values (row by row), so a vector reads as ``v[0]``, ``v[1]``, ``v[2]``;
``abs(v)`` is the length of a vector.
"""

from .._errors import UsageError


def _number(x, what):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise UsageError(what + " must be numbers, not " + repr(x))
    return float(x)


class Matrix:
    """An immutable m x n matrix of floats, made from its rows."""

    def __init__(self, rows):
        try:
            rows = [list(r) for r in rows]
        except TypeError:
            raise UsageError("Matrix takes a list of rows, each a list of numbers, not "
                             + repr(rows)) from None
        if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
            raise UsageError("Matrix needs rows of the same, non-zero length")
        self._m = len(rows)
        self._n = len(rows[0])
        self._data = tuple(_number(x, "Matrix values") for r in rows for x in r)

    @staticmethod
    def _of(m, n, data):
        data = list(data)
        return Matrix([data[r * n:(r + 1) * n] for r in range(m)])

    @property
    def shape(self):
        """``(m, n)``: the number of rows and of columns."""
        return (self._m, self._n)

    @property
    def T(self):  # noqa: N802 (Pybricks' name)
        """The transpose."""
        m, n, d = self._m, self._n, self._data
        return Matrix._of(n, m, [d[r * n + c] for c in range(n) for r in range(m)])

    def rows(self):
        """The values as a list of rows (lists)."""
        n = self._n
        return [list(self._data[r * n:(r + 1) * n]) for r in range(self._m)]

    def __getitem__(self, key):
        if isinstance(key, tuple):
            r, c = key
            if not (-self._m <= r < self._m and -self._n <= c < self._n):
                raise IndexError("matrix index out of range")
            return self._data[(r % self._m) * self._n + (c % self._n)]
        return self._data[key]

    def __len__(self):
        return self._m * self._n

    def __iter__(self):
        return iter(self._data)

    def _same(self, other, op):
        if not isinstance(other, Matrix) or other.shape != self.shape:
            raise UsageError("Matrix " + op + " needs two matrices of the same shape")

    def __add__(self, other):
        self._same(other, "+")
        a, b = self._data, other._data
        return Matrix._of(self._m, self._n, [a[i] + b[i] for i in range(len(a))])

    def __sub__(self, other):
        self._same(other, "-")
        a, b = self._data, other._data
        return Matrix._of(self._m, self._n, [a[i] - b[i] for i in range(len(a))])

    def __neg__(self):
        return Matrix._of(self._m, self._n, [-a for a in self._data])

    def __pos__(self):
        return self

    def __mul__(self, other):
        if isinstance(other, Matrix):
            if self._n != other._m:
                raise UsageError("Matrix * Matrix needs the columns of the first to match "
                                 + "the rows of the second")
            a, b, n, p = self._data, other._data, self._n, other._n
            return Matrix._of(self._m, p, [sum(a[r * n + k] * b[k * p + c] for k in range(n))
                                           for r in range(self._m) for c in range(p)])
        k = _number(other, "Matrix factors")
        return Matrix._of(self._m, self._n, [a * k for a in self._data])

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        k = _number(other, "Matrix divisors")
        return Matrix._of(self._m, self._n, [a / k for a in self._data])

    def __floordiv__(self, other):
        k = _number(other, "Matrix divisors")
        return Matrix._of(self._m, self._n, [a // k for a in self._data])

    def __abs__(self):
        return sum(a * a for a in self._data) ** 0.5

    def __eq__(self, other):
        return isinstance(other, Matrix) and other.shape == self.shape \
            and other._data == self._data

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self._m, self._n, self._data))

    def __repr__(self):
        return "Matrix(" + repr(self.rows()) + ")"


def vector(*args):
    """A column vector: ``vector(x, y)`` (shape (2, 1)) or ``vector(x, y, z)`` ((3, 1))."""
    if len(args) not in (2, 3):
        raise UsageError("vector takes 2 or 3 numbers (x, y) or (x, y, z), not "
                         + str(len(args)))
    return Matrix([[a] for a in args])


def cross(a, b):
    """The cross product ``a`` x ``b`` of two three-dimensional vectors."""
    if len(a) != 3 or len(b) != 3:
        raise UsageError("cross takes two vectors of 3 values")
    return vector(a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                  a[0] * b[1] - a[1] * b[0])
