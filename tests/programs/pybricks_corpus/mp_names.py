# corpus: world=empty
# expect: output=sin 0.5
# expect: output=const 7
# expect: output=random ok
# MicroPython's own names: umath, urandom, utime and const.
import umath
import urandom
import utime
from micropython import const

SEVEN = const(7)
start = utime.ticks_ms()
print("sin", round(umath.sin(umath.pi / 6), 3))
print("const", SEVEN)
print("random", "ok" if 0 <= urandom.randint(0, 10) <= 10 else "bad")
print("ticks", utime.ticks_diff(utime.ticks_ms(), start) >= 0)
