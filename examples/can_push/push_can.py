# robokit: world=can_ring.toml duration=20
"""Push the can out of the ring: turn until the ultrasonic sensor sees it, drive at it,
and push until the colour sensor finds the ring's black edge; then back off.

    robokit run examples/can_push/push_can.py
"""

from robokit import robot, wait

base = robot.drive_base
eyes = robot.ultrasonic_sensor
floor = robot.color_sensor

while eyes.distance() > 400:  # look around for it
    base.drive(0, 60)
    wait(10)
base.stop()
print("can seen at", eyes.distance(), "mm")
while floor.reflection() > 30:  # on the white: keep pushing
    base.drive(150, 0)
    wait(10)
base.straight(-100)
print("edge reached: the can is out")
