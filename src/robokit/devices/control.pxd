# Cython's declarations for control.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): Trajectory and Control become C types whose fields are
# slots the compiled code reads directly.  The fields stay Python objects (the same
# values, types and arithmetic as in Python); they must name every attribute the class
# sets (its __slots__).

cdef class Trajectory:
    cdef public object t0, d1, d2, d3, x0, v0, a0, x1, v1, x2, a2, x3, v3

cdef class Control:
    cdef public object scale, unit, speed_top, torque_top, dt_us
    cdef public object speed_max, accel, decel, torque_max, kp, ki, kd, deadzone
    cdef public object irate, speed_tol, pos_tol, stall_speed, stall_us, inertia
    cdef public object active, mode, then, end_us, x_end, v_end
    cdef public object t_pause, t_last, sat, paused, integral, stall_since, stalled_now
    cdef public object on_target, load_mnm, ref_x, ref_v, smart_x
    cdef public Trajectory traj

    cpdef torque(self, now, x, v)
