# corpus: world=arena duration=20
# expect: output=bumped
# expect: y=910+-4
# Drive until the force sensor bumper is pressed, then back off.
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import ForceSensor, Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

bumper = ForceSensor(Port.E)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
base.drive(150, 0)
while not bumper.pressed():
    wait(10)
base.stop()
print("bumped")
