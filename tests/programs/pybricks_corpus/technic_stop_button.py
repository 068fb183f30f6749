# corpus: world=empty press=center@3s duration=10
# expect: event=stopped
# expect: output=motor stopped
# A Technic hub drives until its button stops the program; the finally block still runs.
from pybricks.hubs import TechnicHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = TechnicHub()
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
try:
    base.drive(150, 0)
    while True:
        wait(100)
finally:
    base.stop()
    print("motor stopped")
