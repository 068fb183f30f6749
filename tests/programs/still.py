"""Does not move: a reference for the plot tests."""
from robokit import wait

wait(500)
