# Cython's declarations for arc.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): the roll computes in C doubles, the same operations in
# the same order as Python's floats, on a body typed as the brick's state (brickstate.pxd:
# its pose and rates are fields of a C type, read and written directly).

cimport cython
from robokit.sim.brickstate cimport BrickState

@cython.locals(ds=double, half=double, h2=double, chord=double, mid=double, v=double)
cpdef roll(BrickState b, double dl, double dr, double dt, double vl, double vr,
           double track)
