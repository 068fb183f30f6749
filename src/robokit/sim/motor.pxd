# Cython's declarations for motor.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): MotorSim becomes a C type whose fields are slots the
# compiled code reads directly.  The fields stay Python objects (the same values, types
# and arithmetic as in Python); they must name every attribute in its __slots__.

cdef class MotorSim:
    cdef public object model, angle, speed, battery_mv, _extra_inertia, _gain
    cdef public object _friction_scale, _mode, _volts, _beta, _inv_beta, _gv, _gl, _fc
    cdef public object _j_extra_rad, _cache, _load_nm, _lim_mv
