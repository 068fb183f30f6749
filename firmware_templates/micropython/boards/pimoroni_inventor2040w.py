# Pimoroni Inventor 2040 W (PIM624), with two micro metal gear motors with encoders.
# robokit board file: one dict literal, read by the board (import) and by the host
# (ast.literal_eval). Keys: docs/boards.md.
#
# Pins from Pimoroni's library, libraries/inventor2040w/inventor.hpp
# (github.com/pimoroni/pimoroni-pico): MOTOR_A_PINS = {6, 7}, MOTOR_B_PINS = {8, 9}
# (DRV8833 PWM pairs), ENCODER_A_PINS = {19, 18}, ENCODER_B_PINS = {17, 16},
# LED_DATA_PIN = 20 (12 WS2812 LEDs), PWM_AUDIO_PIN = 21 (amplifier enable on GP3),
# USER_SW_PIN = 22 (the user button, pulled up, pressed reads 0); the three ADC pins
# 26-28 are on the A0-A2 headers (a line sensor plugged there: type "line").
# Motors: Pimoroni's default gear ratio is 50 (DEFAULT_GEAR_RATIO) with 12 counts per
# motor revolution (all four quadrature edges counted), so 600 counts per output turn.
# Geometry is an example build (42 mm wheels), not a product: measure your own.
BOARD = {
    "name": "pimoroni_inventor2040w",
    "title": "Pimoroni Inventor 2040 W",
    "mcu": "rp2040",
    "url": "https://shop.pimoroni.com/products/inventor-2040-w",
    "source": "https://github.com/pimoroni/pimoroni-pico/blob/main/libraries/"
              "inventor2040w/inventor.hpp",
    "ble": True,
    "battery_mv": 5000,
    "ports": {
        "A": {"type": "motor", "pwm": (6, 7), "freq": 25000, "encoder": (19, 18),
              "counts_per_rev": 600, "model": "n20_hpcb_50"},
        "B": {"type": "motor", "pwm": (8, 9), "freq": 25000, "encoder": (17, 16),
              "counts_per_rev": 600, "model": "n20_hpcb_50"},
        "C": {"type": "line", "adc": 26, "white": 5000, "black": 60000},
        "D": {"type": "line", "adc": 27, "white": 5000, "black": 60000},
    },
    "buttons": {"CENTER": {"pin": 22, "pull": "up", "active": 0}},
    "leds": {"pin": 20, "count": 12},
    "buzzer": {"pin": 21, "enable": 3},
    "imu": None,
    "geometry": {
        "left": "A",
        "right": "B",
        "wheel_diameter": 42.0,
        "axle_track": 100.0,
        "body": {"front": 70.0, "back": -50.0, "width": 120.0, "mass_g": 350.0},
        "sensors": {"C": (60.0, 8.0), "D": (60.0, -8.0)},
    },
}
