# corpus: world=empty press=remote.left_plus@1s-3s duration=5
# expect: output=remote Handset
# expect: x=380+-60
# A Powered Up remote drives the robot while its left + is held.
from pybricks.parameters import Button, Direction, Port
from pybricks.pupdevices import Motor, Remote
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
remote = Remote()
print("remote", remote.name())
watch = StopWatch()
while watch.time() < 4500:
    if Button.LEFT_PLUS in remote.buttons.pressed():
        base.drive(200, 0)
    else:
        base.stop()
    wait(10)
