"""A loop with no wait that sets the arm motor's speed again and again (the same speed)."""

from robokit import robot

arm = robot.arm
while True:
    arm.run(200)
