# Run a motor by an angle, then to a target (Pybricks' Motor examples).
import pybricks.tools
from pybricks import parameters
from pybricks.hubs import EssentialHub
from pybricks.pupdevices import Motor

hub = EssentialHub()
motor = Motor(parameters.Port.A)

motor.run_angle(500, 180)
print("after run_angle", motor.angle())
motor.run_target(300, -90, then=parameters.Stop.HOLD)
print("after run_target", motor.angle())
pybricks.tools.wait(500)
