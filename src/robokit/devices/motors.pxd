# Cython's declarations for motors.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): DCMotor and Motor become C types whose fields are what
# the control loop reads of them at every tick (the port, the direction's sign, the
# voltage set, the feed-forward's constants, the controller); their other attributes live
# in their __dict__, as in Python (subclasses, Pybricks' motors, add their own).  All are
# Python objects: a value keeps its type.  The feed-forward (_drive_mv, a C method: only
# compiled code calls it) computes in C doubles at every tick: its constants are the
# motor table's floats, and the torque and speed it is given become the floats Python's
# arithmetic would make of them.

cimport cython
from robokit.devices.control cimport Control

cdef class DCMotor:
    cdef dict __dict__
    cdef public object _hal, _port, _sign, _sched, _mv, _parent, _closed

cdef class Motor(DCMotor):
    cdef public object _r, _ke, _fric_mv
    cdef public Control control

    @cython.locals(mv=double)
    cdef double _drive_mv(self, double tau, double v_ref)
