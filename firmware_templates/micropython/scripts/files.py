# robokit board script: files as stored on the board, for `robokit install` and
# `--check` (robokit.targets.micropython.install). The host runs it over the raw REPL with
# robokit_fs's definitions in place of the import, and appends a call, e.g.
# "hashes(['/main.py'])". Reads only. Portable MicroPython.
from robokit_fs import read, sha256


def hashes(paths):
    """Print, for each path, (size, SHA-256 hex) or None (missing) as a Python literal."""
    import binascii

    out = []
    for p in paths:
        h = sha256(p)
        out.append(None if h is None else (h[0], binascii.hexlify(h[1]).decode()))
    print(repr(out))


def show(path):
    """Print a (small) file's bytes, or None when it is missing, as a Python literal."""
    print(repr(read(path)))
