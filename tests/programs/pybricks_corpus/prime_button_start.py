# corpus: world=empty press=center@2s duration=10
# expect: output=started
# expect: x=300+-4 y=0+-4
# Wait for the centre button, then drive (the centre button no longer stops the program).
from pybricks.hubs import PrimeHub
from pybricks.parameters import Button, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub()
hub.system.set_stop_button(None)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
while Button.CENTER not in hub.buttons.pressed():
    wait(10)
print("started")
base.straight(300)
