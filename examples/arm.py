# robokit: world=empty duration=20
"""An arm on port F: find its end stop, then move to exact positions."""

from robokit import Stop, robot

arm = robot.arm

# Drive up gently until the arm rests against its mechanical stop.
top = arm.run_until_stalled(300, then=Stop.COAST, duty_limit=40)
print("end stop found at", round(top), "degrees")

# Call the end stop 0 degrees and move to known positions below it.
arm.reset_angle(0)
for target in (-45, -120, -90):
    arm.run_target(400, target, then=Stop.HOLD)
    print("arm at", round(arm.angle()), "degrees (target", target, ")")
