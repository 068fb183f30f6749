# Cython's declarations for motor.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): MotorSim becomes a C type whose fields are slots the
# compiled code reads directly; they must name every attribute in its __slots__.  Its
# state and constants are C doubles: they only ever hold floats (an int put there, such as
# an end stop's angle, becomes the float of the same value, which every operation on it
# would have made first), and C's double arithmetic is Python's float arithmetic, so
# step() and set_voltage(), called directly by the compiled kernel, give the same floats.

cimport cython

cdef class MotorSim:
    cdef public object model, _extra_inertia, _cache
    cdef public double angle, speed, battery_mv, _gain, _friction_scale
    cdef public int _mode
    cdef public double _volts, _beta, _inv_beta, _gv, _gl, _fc, _j_extra_rad, _load_nm
    cdef public double _lim_mv

    @cython.locals(w=double, e=double, c=double, winf=double, d=double, w1=double)
    cpdef step(self, double dt_s, double load_torque=*)

    @cython.locals(lim=double)
    cpdef set_voltage(self, double mv)
