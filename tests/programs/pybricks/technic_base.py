# A Technic hub robot with bigger wheels on ports C and D.
from pybricks.hubs import TechnicHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

WHEEL_DIAMETER = 62.4
AXLE_TRACK = 130

hub = TechnicHub()
robot = DriveBase(Motor(Port.C, Direction.COUNTERCLOCKWISE), Motor(Port.D),
                  WHEEL_DIAMETER, AXLE_TRACK)
robot.straight(500)
robot.turn(-180)
print("heading", hub.imu.heading())
