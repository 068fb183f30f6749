"""A loop with no wait that reads the colour sensor while the robot drives on."""

from robokit import robot

eye = robot.color_sensor
robot.drive_base.drive(100, 0)
while True:
    eye.reflection()
