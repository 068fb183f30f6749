# robokit: world=empty duration=30
"""Turn with the gyro: the drive base corrects its heading with the hub's IMU."""

from robokit import robot, wait

hub = robot.hub
drive_base = robot.drive_base
drive_base.use_gyro(True)
hub.imu.reset_heading(0)

for target in (90, 180, 270, 360):
    drive_base.turn(90)
    wait(100)
    print("target", target, "heading", round(hub.imu.heading(), 1))

drive_base.turn(-360)
print("back to", round(hub.imu.heading(), 1))
