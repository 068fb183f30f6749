"""Prints at known simulated times."""
from robokit import wait

print("first")
wait(250)
print("second")
wait(500)
print("third", end="")
