"""Benchmark load: drive the arena avoiding walls, read every sensor and the IMU each
round, and keep two more motors busy with position moves."""

from robokit import robot, wait

drive_base = robot.drive_base
eye = robot.color_sensor
sonar = robot.ultrasonic_sensor
imu = robot.hub.imu
lift = robot.lift
claw = robot.claw

lift.run_target(300, 80, wait=False)
claw.run_target(300, 100, wait=False)
while True:
    seen = sonar.distance()
    eye.reflection()
    imu.heading()
    if seen < 300:
        drive_base.drive(50, 120)
    else:
        drive_base.drive(200, 0)
    if lift.done():
        lift.run_target(300, -lift.angle(), wait=False)
    if claw.done():
        claw.run_target(300, 120 - claw.angle(), wait=False)
    wait(10)
