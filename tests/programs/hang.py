"""A loop that never waits and never touches a device: simulated time stands still."""
print("about to hang")
while True:  # line 3
    x = 1
