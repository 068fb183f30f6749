# corpus: world=arena duration=20
# expect: output=counted 1
# expect: contacts=0
# A WeDo motion sensor counts the wall coming near.
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import InfraredSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

sensor = InfraredSensor(Port.D)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
base.drive(150, 0)
while sensor.distance() > 30:
    wait(10)
base.stop()
print("counted", sensor.count())
