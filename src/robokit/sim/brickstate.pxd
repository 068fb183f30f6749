# Cython's declarations for brickstate.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): BrickState, the base of SimBrick, becomes a C type whose
# fields are its __slots__, so that the compiled kernel (kernel.pxd) and the body's roll
# (arc.pxd), handed a brick typed as BrickState, read and write its state directly rather
# than through the brick's dict.  The pose and rates are C doubles: they only ever hold
# floats, and C's double arithmetic is Python's float arithmetic.  The clock's times stay
# Python ints, the rest Python objects; the wheels are MotorSim (motor.pxd).

from robokit.sim.motor cimport MotorSim

cdef class BrickState:
    cdef public double _x, _y, _h, distance_mm, _v, _w, _accel_fwd, _kl, _kr
    cdef public object _front, _back, _half_w, _front_memo, _contact, _drive, _track
    cdef public MotorSim _lm, _rm
    cdef public object now, _t_phys, end_us, _in_control, _timers, _next_tick
    cdef public object _record_period, _next_record, _next_event, _own_next, _stop_at
    cdef public object arena, world, recorder, kernel, noise, _has_walls, _ports, _motors
    cdef public object _offsets, _free_motors, _rgb_memo, _last, _footprint

    cpdef _spend(self, us)
    cpdef _sync_read(self)
    cpdef _read_call(self)
