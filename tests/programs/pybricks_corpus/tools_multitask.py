# corpus: world=empty
# expect: output=both done
# expect: x=300+-4
# Two things at once with multitask and run_task.
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import multitask, run_task, wait

base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
arm = Motor(Port.F)


async def drive():
    await base.straight(300)


async def lift():
    await arm.run_angle(200, 90)
    await wait(100)


async def main():
    await multitask(drive(), lift())
    print("both done")


run_task(main())
