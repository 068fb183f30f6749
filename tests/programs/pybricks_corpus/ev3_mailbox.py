#!/usr/bin/env pybricks-micropython
# corpus: world=empty
# expect: event=mailbox_send
# expect: output=read None
# EV3 mailboxes with one robot: sends are recorded, nothing arrives.
from pybricks.hubs import EV3Brick
from pybricks.messaging import BluetoothMailboxServer, TextMailbox

ev3 = EV3Brick()
server = BluetoothMailboxServer()
box = TextMailbox("greeting", server)
box.send("hello")
print("read", box.read())
