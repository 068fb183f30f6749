"""A refereed sumo match: the two programs of this folder in the built-in `sumo` ring.
The rule ends the match when a robot's middle leaves the ring (385 mm), and says who won.

    python examples/sumo_match/referee.py
"""

from pathlib import Path

from robokit.sim import simulate
from robokit.sim.match import ring_out

here = Path(__file__).parent
result = simulate([here / "pusher.py", here / "listener.py"], world="sumo", duration=20,
                  rule=ring_out(385))
for robot in result.robots:
    print(robot.program, "->", robot.output.strip().replace("\n", " / "))
print(result.verdict or "no winner: time is up")
