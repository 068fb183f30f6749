"""The Mersenne Twister (MT19937) as CPython's ``random.Random`` has it, in plain Python:
:class:`Random` gives, for the same int seed, the very same numbers as
``random.Random(seed)`` from :meth:`~Random.random`, :meth:`~Random.gauss` and
:meth:`~Random.getrandbits`, to the last bit.

The simulator draws its noise from ``random.Random`` in CPython (its C generator is
fast). MicroPython's ``random`` is another generator and has no ``Random``, so a
simulated brick inside MicroPython's VM (:mod:`robokit.sim.vmbrick`) draws from this
module instead, and a run with noise gives the same readings in both.

Portable: MicroPython runs it too (the ROM serves it, :mod:`robokit.virtual.rom`). Its
state is 624 ints of 32 bits, each masked to 32 bits as it is made: small ints on the
unix port's 64-bit VM.

Use::

    from robokit.sim.mtrand import Random

    rng = Random(7)
    rng.gauss(0.0, 3.0)   # == random.Random(7).gauss(0.0, 3.0)
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

_N = 624  # words of state
_M = 397  # the twist's middle word
_MATRIX_A = 0x9908B0DF
_UPPER = 0x80000000  # the most significant bit of a word
_LOWER = 0x7FFFFFFF  # the other 31
_MASK = 0xFFFFFFFF
_TWOPI = 2.0 * math.pi  # (as random.py has it)
_2_POW_26 = 67108864.0
_2_POW_M53 = 1.0 / 9007199254740992.0


class Random:
    """A Mersenne Twister seeded with an int as ``random.Random(seed)`` is (all its bits,
    its sign ignored), drawing what ``random.Random`` draws."""

    def __init__(self, seed: int = 0) -> None:
        self._mt = [0] * _N
        self._i = _N  # the next word to hand out; _N: the state must twist first
        #: gauss()'s second value, handed out by the next call (as in random.Random).
        self.gauss_next: float | None = None
        self.seed(seed)

    def seed(self, a: int) -> None:
        """Start again from the seed ``a``, an int (CPython's ``init_by_array`` over
        abs(a)'s 32-bit words, least significant first)."""
        if not isinstance(a, int):
            raise TypeError("mtrand.Random's seed must be an int, not "
                            + type(a).__name__)
        a = abs(a)
        key = [a & _MASK]
        a >>= 32
        while a:
            key.append(a & _MASK)
            a >>= 32
        mt = self._mt
        # init_genrand(19650218)
        y = 19650218
        mt[0] = y
        for i in range(1, _N):
            y = (1812433253 * (y ^ (y >> 30)) + i) & _MASK
            mt[i] = y
        # init_by_array(key)
        n = len(key)
        i = 1
        j = 0
        for _ in range(_N if _N > n else n):
            p = mt[i - 1]
            mt[i] = ((mt[i] ^ ((p ^ (p >> 30)) * 1664525)) + key[j] + j) & _MASK
            i += 1
            j += 1
            if i >= _N:
                mt[0] = mt[_N - 1]
                i = 1
            if j >= n:
                j = 0
        for _ in range(_N - 1):
            p = mt[i - 1]
            mt[i] = ((mt[i] ^ ((p ^ (p >> 30)) * 1566083941)) - i) & _MASK
            i += 1
            if i >= _N:
                mt[0] = mt[_N - 1]
                i = 1
        mt[0] = _UPPER  # a non-zero state, whatever the key
        self._i = _N
        self.gauss_next = None

    def _twist(self) -> None:
        """The next 624 words of state."""
        mt = self._mt
        upper = _UPPER
        lower = _LOWER
        a = _MATRIX_A
        for k in range(_N - _M):
            y = (mt[k] & upper) | (mt[k + 1] & lower)
            mt[k] = mt[k + _M] ^ (y >> 1) ^ (a if y & 1 else 0)
        for k in range(_N - _M, _N - 1):
            y = (mt[k] & upper) | (mt[k + 1] & lower)
            mt[k] = mt[k + (_M - _N)] ^ (y >> 1) ^ (a if y & 1 else 0)
        y = (mt[_N - 1] & upper) | (mt[0] & lower)
        mt[_N - 1] = mt[_M - 1] ^ (y >> 1) ^ (a if y & 1 else 0)
        self._i = 0

    def _next32(self) -> int:
        """The next 32-bit output (a state word, tempered)."""
        if self._i >= _N:
            self._twist()
        y = self._mt[self._i]
        self._i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    def random(self) -> float:
        """A float in [0, 1) of 53 random bits: 27 from one output and 26 from the next,
        as CPython makes it."""
        i = self._i
        if i > _N - 2:  # fewer than two words before the next twist
            return ((self._next32() >> 5) * _2_POW_26 + (self._next32() >> 6)) * _2_POW_M53
        mt = self._mt
        self._i = i + 2
        # _next32() twice, inlined (the VM pays for each call)
        y = mt[i]
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        z = mt[i + 1]
        z ^= z >> 11
        z ^= (z << 7) & 0x9D2C5680
        z ^= (z << 15) & 0xEFC60000
        z ^= z >> 18
        return ((y >> 5) * _2_POW_26 + (z >> 6)) * _2_POW_M53

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """A normal draw of mean ``mu`` and standard deviation ``sigma``, as
        ``random.Random.gauss`` makes it: the Box-Muller transform makes two values from
        two random() draws and hands out the second on the next call (or, after
        :meth:`seed`, never)."""
        z = self.gauss_next
        if z is None:
            z = self._box_muller()
        else:
            self.gauss_next = None
        return mu + z * sigma

    def _box_muller(self) -> float:
        """Two standard normal values: one returned, one kept for the next gauss()."""
        # (Apart from gauss(), and each step by itself: MicroPython's VM takes the frame
        # of a function with more locals and stack than a few from the heap, and each
        # such call cost a gauss() about 15 us more there.)
        x2pi = self.random() * _TWOPI
        g2rad = 1.0 - self.random()
        g2rad = math.sqrt(-2.0 * math.log(g2rad))
        self.gauss_next = math.sin(x2pi) * g2rad
        return math.cos(x2pi) * g2rad

    def getrandbits(self, k: int) -> int:
        """An int of ``k`` random bits, as ``random.Random.getrandbits``: one output for
        up to 32 bits (its top ``k``), else one per 32 bits, the first the least
        significant."""
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        out = 0
        shift = 0
        while k > 0:
            r = self._next32()
            if k < 32:
                r >>= 32 - k
            out |= r << shift
            shift += 32
            k -= 32
        return out
