# corpus: world=empty
# expect: x=600+-6 y=0+-6
# A Technic Hub driving base with large Technic motors, gears on the wheels.
from pybricks.hubs import TechnicHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

hub = TechnicHub()
left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
base = DriveBase(left, right, wheel_diameter=62.4, axle_track=140)
base.straight(600)
print("technic", hub.system.name())
