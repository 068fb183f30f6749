# corpus: world=empty
# expect: output=angle 180
# expect: output=after reset 0
# An Essential Hub turns a motor to an angle and resets it.
from pybricks.hubs import EssentialHub
from pybricks.parameters import Port, Stop
from pybricks.pupdevices import Motor

hub = EssentialHub()
motor = Motor(Port.A)
motor.run_target(500, 180, then=Stop.HOLD)
print("angle", round(motor.angle() / 5) * 5)
motor.reset_angle(0)
print("after reset", motor.angle())
