# robokit: world=maze duration=180
"""Solve the maze cell by cell with the left-hand rule, looking with the ultrasonic sensor.

The maze is a grid of 300 mm cells.  At each cell the robot tries left, then
ahead, then right, then back, and drives one cell the first way that is open.
It stops when the colour sensor sees the green goal.
"""

from robokit import Color, robot

drive_base = robot.drive_base
eyes = robot.ultrasonic_sensor
floor = robot.color_sensor

CELL = 300  # mm
OPEN = 250  # mm: further than this ahead means no wall in this cell

steps = 0
while floor.color() != Color.GREEN:
    drive_base.turn(-90)  # look left first
    for _ in range(4):
        if eyes.distance() > OPEN:
            break
        drive_base.turn(90)  # then ahead, right, back
    drive_base.straight(CELL)
    steps += 1

print("goal reached in", steps, "cells")
