"""Drive a 150 mm square with the Inventor 2040 W rover: encoders on both wheels, so the
drive base's own control (5 ms loop, fed by the kit HAL's encoder counts) keeps it
straight and turns it by 90 degrees."""

from robokit import Color, robot

robot.hub.light.on(Color.GREEN)
for _ in range(4):
    robot.drive_base.straight(150)
    robot.drive_base.turn(90)
robot.hub.light.off()
print("square done")
