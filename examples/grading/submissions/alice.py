"""Alice: the left-hand rule, cell by cell, until the floor is green."""

from robokit import Color, robot

CELL = 300  # mm, one maze cell
OPEN = 250  # mm: no wall closer than this ahead

while robot.color_sensor.color() != Color.GREEN:
    robot.drive_base.turn(-90)  # look left first
    for _ in range(4):
        if robot.ultrasonic_sensor.distance() > OPEN:
            break
        robot.drive_base.turn(90)  # then ahead, right, back
    robot.drive_base.straight(CELL)
print("found the goal")
