# robokit: world=oval duration=3
"""A short line follow: reads the colour sensor (noisy with a seed) and steers."""
from robokit import robot, wait

while True:
    error = robot.color_sensor.reflection() - 51
    robot.drive_base.drive(150, 3 * error)
    wait(10)
