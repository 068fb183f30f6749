"""What the simulated ``pybricks`` namespace provides, module by module: pure data.

``PROVIDED[module]`` are the names a program may import from that module and use in
the simulator; ``NOT_YET[module]`` the Pybricks names of that module that the simulator
does not provide yet (the compile check names them, with file:line).
``MODULES_NOT_YET`` are whole Pybricks modules not provided yet.  The ``pybricks``
documentation-stub package is the specification these lists were made from
(docs/pybricks-programs.md; a test holds them against it).  Portable (MicroPython too).
"""

PROVIDED = {
    "pybricks": ("hubs", "pupdevices", "parameters", "tools", "robotics", "geometry",
                 "ev3devices", "nxtdevices", "media", "messaging", "experimental",
                 "iodevices", "version"),
    "pybricks.hubs": ("PrimeHub", "InventorHub", "EssentialHub", "TechnicHub", "CityHub",
                      "MoveHub", "EV3Brick", "ThisHub"),
    "pybricks.pupdevices": ("Motor", "DCMotor", "ColorSensor", "UltrasonicSensor",
                            "ForceSensor", "ColorDistanceSensor", "Remote", "TiltSensor",
                            "InfraredSensor", "ColorLightMatrix", "Light", "PFMotor",
                            "TechnicMoveHub", "DuploTrain", "MarioHub"),
    "pybricks.parameters": ("Port", "Direction", "Stop", "Color", "Button", "Side", "Axis",
                            "Icon"),
    "pybricks.tools": ("wait", "StopWatch", "multitask", "run_task", "Matrix", "vector",
                       "cross", "DataLog", "hub_menu", "read_input_byte"),
    "pybricks.robotics": ("DriveBase", "GyroDriveBase", "Car"),
    "pybricks.geometry": ("Axis", "Matrix", "vector"),
    "pybricks.experimental": ("getchar",),
    "pybricks.iodevices": ("XboxController", "PUPDevice", "LUMPDevice", "DCMotor"),
    # The EV3 (Pybricks 2.x): robokit.devices.pybricks.ev3devices, ev3brick, media, ...
    "pybricks.ev3devices": ("Motor", "TouchSensor", "ColorSensor", "InfraredSensor",
                            "GyroSensor", "UltrasonicSensor"),
    "pybricks.nxtdevices": ("TouchSensor", "LightSensor", "ColorSensor", "UltrasonicSensor"),
    "pybricks.media": ("ev3dev",),
    "pybricks.media.ev3dev": ("Image", "Font", "SoundFile", "ImageFile"),
    "pybricks.messaging": ("Mailbox", "LogicMailbox", "NumericMailbox", "TextMailbox",
                           "BluetoothMailboxServer", "BluetoothMailboxClient", "Connection",
                           "BLERadio"),
}

NOT_YET = {
    "pybricks": (),
    "pybricks.hubs": (),
    "pybricks.pupdevices": (),
    "pybricks.parameters": (),
    "pybricks.tools": (),
    "pybricks.robotics": (),
    "pybricks.geometry": (),
    "pybricks.experimental": (),
    "pybricks.iodevices": ("LWP3Device", "AnalogSensor", "I2CDevice", "UARTDevice"),
    "pybricks.ev3devices": (),
    "pybricks.nxtdevices": ("SoundSensor", "TemperatureSensor", "EnergyMeter",
                            "VernierAdapter"),
    "pybricks.media": (),
    "pybricks.media.ev3dev": (),
    "pybricks.messaging": ("AppData",),
}

MODULES_NOT_YET = ()

#: The Pybricks firmware version the simulator plays (``pybricks.version[1]``): that of
#: the ``pybricks`` stub package the namespace was made from (a test holds them equal).
FIRMWARE_VERSION = "4.0.0"

#: ``pybricks.version[0]`` for each robot.toml hub type, as Pybricks' firmware for that
#: hub names itself (the Robot Inventor hub runs the Prime Hub's firmware; robokit's
#: generic ``Hub``, a kit's board, is played as a Prime Hub).
HUB_KINDS = {"PrimeHub": "primehub", "InventorHub": "primehub",
             "EssentialHub": "essentialhub", "TechnicHub": "technichub",
             "CityHub": "cityhub", "MoveHub": "movehub", "EV3Brick": "ev3",
             "Hub": "primehub"}

#: Why a name of ``NOT_YET`` that nothing in the simulated world could give meaning to
#: is not simulated (the check's and the run's message say it).
WHY = {
    "LWP3Device": "it connects to a hub running LEGO's firmware over the LEGO Wireless "
                  "Protocol v3, and no such hub is in the simulated world",
    "AnalogSensor": "the simulated robot has no analog sensor port",
    "I2CDevice": "the simulated robot has no I2C devices",
    "UARTDevice": "the simulated robot has no custom UART devices",
    "SoundSensor": "the simulated world has no sound to hear",
    "TemperatureSensor": "the simulated world has no temperature to measure",
    "EnergyMeter": "the simulated robot has no power circuit to measure",
    "VernierAdapter": "the simulated robot has no analog sensor port",
}
