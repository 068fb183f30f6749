# corpus: world=empty
# expect: x=0+-6 y=0+-6
# expect: output=back home
# DriveBase.move_by (Pybricks 4.0): a square by coordinates of the start's frame.
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
base.move_by(300, 0)
base.move_by(0, 300)
base.move_by(-300, 0)
base.move_by(0, -300)
print("back home")
