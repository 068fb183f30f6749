# Cython's declarations for arc.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): the roll computes in C doubles, the same operations in
# the same order as Python's floats.

cimport cython

@cython.locals(ds=double, half=double, h2=double, chord=double, mid=double, v=double)
cpdef roll(b, double dl, double dr, double dt, double vl, double vr, double track)
