# robokit: world=empty duration=30
"""Two things at once: drive a path while blinking the light, with run_task and multitask."""

from robokit import Color, multitask, robot, run_task, wait

hub = robot.hub
drive_base = robot.drive_base


async def drive():
    for _ in range(2):
        await drive_base.straight(300)
        await drive_base.turn(180)
    return "drove"


async def blink():
    blinks = 0
    while True:
        hub.light.on(Color.RED)
        await wait(250)
        hub.light.off()
        await wait(250)
        blinks += 1
        print("blink", blinks)


async def main():
    # race=True: stop blinking as soon as the drive is done.
    results = await multitask(drive(), blink(), race=True)
    print("results:", results)


run_task(main())
