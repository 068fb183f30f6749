# robokit: world=oval duration=60
"""Follow the black oval's inner edge with a PD controller on the colour sensor's reflection.

The robot starts with its colour sensor on the left edge of the line, heading
along it; it drives one lap and stops.
"""

from robokit import StopWatch, robot, wait

drive_base = robot.drive_base
eye = robot.color_sensor

BLACK = 4  # reflection on the line, %
WHITE = 98  # reflection on the floor, %
EDGE = (BLACK + WHITE) / 2  # aim for half on the line
SPEED = 200  # mm/s
KP = 2.5  # deg/s of turn per % of error
KD = 2.0
LAP = 4480  # mm: one lap of the oval's inner edge

watch = StopWatch()
last_error = 0.0
while drive_base.distance() < LAP:
    error = eye.reflection() - EDGE
    # On white (error > 0) the line is to the right: turn right (positive = clockwise).
    turn_rate = KP * error + KD * (error - last_error)
    drive_base.drive(SPEED, turn_rate)
    last_error = error
    wait(10)

drive_base.stop()
print("Lap done in", watch.time() / 1000, "s")
