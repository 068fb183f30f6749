"""The line follower of examples/line_follower.py, lapping the oval until the run ends."""

from robokit import robot, wait

drive_base = robot.drive_base
eye = robot.color_sensor

EDGE = 51
last_error = 0.0
while True:
    error = eye.reflection() - EDGE
    drive_base.drive(200, 2.5 * error + 2.0 * (error - last_error))
    last_error = error
    wait(10)
