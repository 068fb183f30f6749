# corpus: world=empty press=xbox.left_y=100@1s-2s press=xbox.a@3s duration=6
# expect: output=pressed A
# expect: x=290+-50
# An Xbox controller's left stick drives; A ends the program.
from pybricks.iodevices import XboxController
from pybricks.parameters import Button, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
xbox = XboxController()
while Button.A not in xbox.buttons.pressed():
    x, y = xbox.joystick_left()
    base.drive(3 * y, x)
    wait(10)
base.stop()
print("pressed A")
