# Cython's declarations for kernel.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): Kernel becomes a C type (its fields: its __slots__); its
# hooks take the brick as BrickState (brickstate.pxd), whose pose, clock and wheels they
# then read and write directly, and its physics step and tick hold the two wheels as
# MotorSim, whose fields and step() the compiled code reaches directly (motor.pxd); the
# drive base's tick calls DriveBase._control directly (robotics.pxd), and the physics step
# the body's roll (arc.pxd).

cimport cython
from robokit.devices.control cimport Control
from robokit.devices.robotics cimport DriveBase
from robokit.sim.arc cimport roll
from robokit.sim.brickstate cimport BrickState
from robokit.sim.motor cimport MotorSim

cdef class Kernel:
    cdef public object lport, rport, reach, walls, room, room_x, room_y
    cdef public object steps, handed, ticks, motor_ticks, _loop, _sched

    cpdef _free(self, BrickState b)
    cpdef _scheduler(self, BrickState b)
    cpdef physics_to(self, BrickState b, t)
    cpdef advance_to(self, BrickState b, target)

    @cython.locals(d=DriveBase, cd=Control, ch=Control)
    cpdef _ours(self, c)

    @cython.locals(lm=MotorSim, rm=MotorSim, dt=double, la=double, ra=double, dl=double,
                   dr=double, kl=double, kr=double)
    cpdef _physics(self, BrickState b, t, arm)

    @cython.locals(lm=MotorSim, rm=MotorSim)
    cpdef _tick(self, BrickState b, t, DriveBase db)

    @cython.locals(sim=MotorSim)
    cpdef _tick_motor(self, BrickState b, t, m)
