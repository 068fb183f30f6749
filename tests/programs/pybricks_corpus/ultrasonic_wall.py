# corpus: world=arena duration=20
# expect: output=stopped
# expect: contacts=0
# expect: y=620+-40
# Drive to a wall and stop 300 mm away.
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor, UltrasonicSensor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

eyes = UltrasonicSensor(Port.D)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
eyes.lights.on(100)
base.drive(200, 0)
while eyes.distance() > 300:
    wait(10)
base.stop()
print("stopped", eyes.distance() < 320)
