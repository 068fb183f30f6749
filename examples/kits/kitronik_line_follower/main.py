"""Follow the left edge of a black line with the Kitronik buggy's centre line sensor.

Two DC motors (no encoders): steer by giving the wheels different duty cycles. On the
simulated kit board (world "oval") the buggy starts with its centre sensor on the line's
left edge, heading along it. Press the button to stop early.
"""

from robokit import Button, StopWatch, robot, wait

left = robot.left_motor
right = robot.right_motor
eye = robot.centre_line
EDGE = 50  # %: half on the line
BASE = 60  # % duty (TT gear motors do not start much below 40 %)
KP = 0.5  # % duty per % of reflection error

watch = StopWatch()
while watch.time() < 6000 and Button.CENTER not in robot.hub.buttons.pressed():
    error = eye.reflection() - EDGE
    # On white (error > 0) the line is to the right: the left wheel goes faster.
    left.dc(BASE + KP * error)
    right.dc(BASE - KP * error)
    wait(10)
left.stop()
right.stop()
print("followed the line for", watch.time(), "ms")
