"""A student's loop: drive() called again and again with no wait (the same speeds each time)."""

from robokit import robot

drive_base = robot.drive_base
while True:
    drive_base.drive(150, 20)
