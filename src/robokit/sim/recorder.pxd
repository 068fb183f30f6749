# Cython's declarations for recorder.py, read only when robokit's compiled core is built
# (robokit._compiled, setup.py): a telemetry row (50 a simulated second) reads the brick
# through its state's C type (brickstate.pxd) and each motor through MotorSim's
# (motor.pxd), directly rather than through their dicts and descriptors.

cimport cython
from robokit.sim.brickstate cimport BrickState
from robokit.sim.motor cimport MotorSim

@cython.locals(m=MotorSim, row=list)
cpdef tuple _row(BrickState brick, motor_refs, sensor_ports, sensor_nans)
