"""Carol: curious about the computer the robot runs on."""

import os

print(os.listdir("/"))
os.system("echo hello from the grading machine")
