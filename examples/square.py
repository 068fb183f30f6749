# robokit: world=empty duration=30
"""Drive a 400 mm square with DriveBase.straight and turn, back to where it started."""

from robokit import robot

drive_base = robot.drive_base

for side in range(4):
    drive_base.straight(400)  # mm forward
    drive_base.turn(90)  # degrees, positive = clockwise (right)
    print("side", side + 1, "done:", round(drive_base.distance()), "mm driven")

print("Turned", round(drive_base.angle()), "degrees in all")
