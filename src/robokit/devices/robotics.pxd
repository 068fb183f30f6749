# Cython's declarations for robotics.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): DriveBase becomes a C type whose two axes' controllers
# are fields of the C type Control (control.pxd), so that the 5 ms tick (_control) reaches
# them and their torque() directly, and whose two wheels are fields of the C type Motor
# (motors.pxd), read directly too.  Its other attributes live in its __dict__, as in
# Python (a subclass, Pybricks' DriveBase, adds its own).

cimport cython
from robokit.devices.control cimport Control
from robokit.devices.motors cimport Motor

cdef class DriveBase:
    cdef dict __dict__
    cdef public Control distance_control, heading_control
    cdef public Motor _left, _right
    cdef public object _gyro

    @cython.locals(cd=Control, ch=Control, lm=Motor, rm=Motor)
    cpdef _control(self, now, al, wl, ar, wr)
