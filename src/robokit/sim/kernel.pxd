# Cython's declarations for kernel.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): Kernel becomes a C type (its fields: its __slots__), and
# its physics step and tick hold the two wheels as MotorSim, whose fields and step() the
# compiled code then reaches directly (motor.pxd).

cimport cython
from robokit.sim.motor cimport MotorSim

cdef class Kernel:
    cdef public object lport, rport, reach, walls, room, room_x, room_y
    cdef public object steps, handed, ticks, motor_ticks, _loop, _sched

    @cython.locals(lm=MotorSim, rm=MotorSim, dt=double, la=double, ra=double, dl=double,
                   dr=double, kl=double, kr=double)
    cpdef _physics(self, b, t, arm)

    @cython.locals(lm=MotorSim, rm=MotorSim)
    cpdef _tick(self, b, t, db)
