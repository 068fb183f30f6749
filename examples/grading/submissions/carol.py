"""Carol: curious about the computer the robot runs on."""

import os
import socket

print(os.listdir("/"))
print(socket.getaddrinfo("example.com", 80))
