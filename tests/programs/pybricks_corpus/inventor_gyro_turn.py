# corpus: world=empty
# expect: output=heading 90
# expect: imu=90+-2
# An Inventor Hub turns until its gyro reads 90 degrees.
from pybricks.hubs import InventorHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = InventorHub()
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
hub.imu.reset_heading(0)
base.drive(0, 60)
while hub.imu.heading() < 89:
    wait(5)
base.stop()
wait(200)
print("heading", round(hub.imu.heading() / 10) * 10)
