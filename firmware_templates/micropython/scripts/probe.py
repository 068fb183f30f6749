# robokit board script: what `robokit install` needs to know before it writes anything
# (robokit.targets.micropython.install). The host runs it over the raw REPL with
# robokit_fs's definitions in place of the import, and appends the call "probe()".
# Reads only. Portable MicroPython.
import sys

from robokit_fs import SYS, active, crashes, free, read


def probe():
    """Print (implementation, free flash, active system slot or None, the first 200 bytes
    of /main.py or None, its size, the crash counter) as a Python literal."""
    main = read("/main.py")
    print(repr((sys.implementation.name, free("/"), active(SYS),
                None if main is None else main[:200], len(main or b""), crashes())))
