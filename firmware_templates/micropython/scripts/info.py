# robokit board script: what the board is (robokit.targets.micropython asks it before an
# upload). The host runs it over the raw REPL with robokit_fs's definitions in place of
# the import, and appends the call "info()". Portable MicroPython.
import gc
import sys

from robokit_fs import SYS, active, free, read


def _kit():
    """The kit `robokit install --board` installed, or None."""
    import json

    slot = active(SYS)
    if slot is None:
        return None
    try:
        return json.loads(read(SYS + "/" + slot + "/settings.json") or b"").get("board")
    except Exception:
        return None


def info():
    """Print (implementation, mpy ABI value, release, sys.version, machine, free RAM, free
    flash, kit) as a Python literal."""
    gc.collect()
    i = sys.implementation
    print(repr((i.name, getattr(i, "_mpy", -1), ".".join(str(x) for x in i.version[:3]),
                sys.version, getattr(i, "_machine", sys.platform), gc.mem_free(), free("/"),
                _kit())))
