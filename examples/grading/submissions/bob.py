"""Bob: full speed ahead (and into the wall)."""

from robokit import robot

robot.drive_base.straight(1500)
print("found the goal")
