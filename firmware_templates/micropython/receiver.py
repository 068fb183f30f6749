# robokit upload receiver: runs on a MicroPython board, sent by the host with raw-paste
# (robokit.targets.micropython.upload), which appends the call that runs it. Portable
# MicroPython. The one way robokit writes files to a board:
#
# - receive(): a program upload. It writes the program into the inactive slot
#   (/robokit/slots/a or b), checks every file's SHA-256 and the whole upload's, and only
#   then makes the slot active (robokit_fs.commit on /robokit). On any failure the partial
#   slot is removed and /robokit/active is left as it was.
# - receive_system(): `robokit install`, the same into the inactive system slot
#   (/robokit/sys/a or b, committed on /robokit/sys); it first finishes a pointer commit a
#   power cut left half done, reads every file back from flash before it acks its end,
#   and clears the crash counter after the commit.
# - receive_file(dest, keep): one file (the boot stub), written under /robokit/<name>,
#   read back, then renamed onto dest; a file at dest is first copied to keep (when keep
#   is given and not there yet).
#
# Frames and acks: docs/upload.md. Importing this module does nothing.

import hashlib
import os
import struct
import sys

from robokit_fs import (
    ROOT,
    SYS,
    active,
    commit,
    drop_commit,
    exists,
    finish_commit,
    makedirs,
    remove,
    rmtree,
    set_crashes,
    sha256,
)

try:
    from binascii import crc32 as _crc32
except ImportError:  # a port built without binascii.crc32
    _crc32 = None

MAGIC = b"RK"
MAX_PAYLOAD = 2048  # one frame is held in RAM; the host sends at most this
MAX_CRC_ERRORS = 16


class _Abort(Exception):
    pass


def _crc(data, start=0):
    if _crc32 is not None:
        return _crc32(data, start) & 0xFFFFFFFF
    crc = start ^ 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _say(text):
    sys.stdout.write(text + "\n")


class _Receiver:
    """Reads frames into the folder ``dir``; ``readback``: each file is read back from
    flash and checked before its end is acknowledged."""

    def __init__(self, stdin, dir, readback=False):
        self.stdin = stdin
        self.dir = dir
        self.readback = readback
        self.accepted = 0
        self.seen = 0  # frames read, damaged and dropped ones included
        self.crc_errors = 0
        self.whole = hashlib.sha256()
        self.file = None
        self.path = ""
        self.size = 0
        self.written = 0
        self.hash = None
        self.digest = b""  # the upload digest the commit frame carried

    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.stdin.read(n - len(data))
            if not chunk:
                raise _Abort("input ended")
            data += chunk
        return data

    def frame(self):
        # "RK", kind, seq, u16 LE length, payload, u32 LE CRC-32 of kind..payload
        head = self.read(6)
        if head[:2] != MAGIC:
            raise _Abort("bad frame start")
        n = struct.unpack("<H", head[4:6])[0]
        if n > MAX_PAYLOAD:
            raise _Abort("frame too long")
        payload = self.read(n)
        crc = struct.unpack("<I", self.read(4))[0]
        self.seen += 1
        if _crc(payload, _crc(head[2:6])) != crc:
            return None, 0, b""
        return head[2:3], head[3], payload

    def begin(self, payload):
        if self.file is not None or len(payload) < 5:
            raise _Abort("bad file frame")
        size = struct.unpack("<I", payload[:4])[0]
        path = payload[4:].decode()
        for part in path.split("/"):
            if part in ("", ".", "..") or "\\" in part:
                raise _Abort("bad path")
        full = self.dir + "/" + path
        makedirs(full[:full.rfind("/")])
        self.file = open(full, "wb")
        self.path = path
        self.size = size
        self.written = 0
        self.hash = hashlib.sha256()
        self.whole.update(payload)

    def data(self, payload):
        if self.file is None or self.written + len(payload) > self.size:
            raise _Abort("data out of place")
        self.file.write(payload)
        self.hash.update(payload)
        self.whole.update(payload)
        self.written += len(payload)

    def end(self, payload):
        if self.file is None:
            raise _Abort("end out of place")
        self.file.close()
        self.file = None
        if self.written != self.size:
            raise _Abort("size " + self.path)
        if self.hash.digest() != payload:
            raise _Abort("sha256 " + self.path)
        if self.readback and sha256(self.dir + "/" + self.path) != (self.size, payload):
            raise _Abort("readback " + self.path)
        self.whole.update(payload)

    def check(self, payload):
        if self.file is not None:
            raise _Abort("commit inside a file")
        if self.whole.digest() != payload:
            raise _Abort("upload digest")

    def run(self, commit):
        """Frames until the commit frame, which ``commit()`` carries out."""
        while True:
            kind, seq, payload = self.frame()
            if kind is None:
                self.crc_errors += 1
                if self.crc_errors > MAX_CRC_ERRORS:
                    raise _Abort("too many crc errors")
                _say("err crc " + str(self.seen))
                continue
            if seq != (self.accepted + 1) & 0xFF:
                # Sent before the host heard of a damaged frame; it sends it again.
                continue
            if kind == b"F":
                self.begin(payload)
            elif kind == b"D":
                self.data(payload)
            elif kind == b"E":
                self.end(payload)
            elif kind == b"C":
                self.check(payload)
                commit()
                self.accepted += 1
                _say("ok " + str(self.accepted))
                return True
            elif kind == b"A":
                raise _Abort("aborted by the host")
            else:
                raise _Abort("bad frame kind")
            self.accepted += 1
            _say("ok " + str(self.accepted))

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None


def _serve(name, r, prepare, commit, clean):
    """Run receiver ``r``: ``prepare()``, "ready NAME", the frames, ``commit()``; on any
    failure "err REASON" and ``clean()`` (the partial files go, the pointer stays)."""
    import micropython

    done = False
    micropython.kbd_intr(-1)  # the frames are binary: 0x03 is data, not Ctrl-C
    try:
        prepare()
        _say("ready " + name)
        done = r.run(commit)
    except _Abort as e:
        _say("err " + str(e.args[0]))
    except Exception as e:  # a full or failing filesystem: say so, then clean up
        _say("err board: " + type(e).__name__ + " " + str(e))
    finally:
        try:
            if not done:  # before Ctrl-C is on again: frames still in flight hold 0x03
                r.close()
                clean()
        finally:
            micropython.kbd_intr(3)


def _stdin():
    return getattr(sys.stdin, "buffer", sys.stdin)


def _slots(folder, slots, record, readback, before=None, after=None):
    """An upload into the inactive slot of ``slots``, made active by the pointer in
    ``folder`` once ``record`` (the slot's manifest) is stored."""
    slot = "b" if active(folder) == "a" else "a"
    r = _Receiver(_stdin(), slots + "/" + slot, readback)

    def prepare():
        if before is not None:
            before()
        makedirs(slots)
        rmtree(r.dir)
        makedirs(r.dir)

    def done():
        if not exists(r.dir + "/" + record):
            raise _Abort("no manifest")
        commit(folder, slot)
        if after is not None:
            after()

    def clean():
        rmtree(r.dir)
        drop_commit(folder)

    _serve(slot, r, prepare, done, clean)


def receive():
    """A program upload: the inactive slot of /robokit/slots, then /robokit/active."""
    _slots(ROOT, ROOT + "/slots", "manifest.json", False)


def receive_system():
    """`robokit install`: the inactive system slot of /robokit/sys, then its pointer."""

    def before():
        finish_commit(SYS)
        finish_commit(ROOT)

    _slots(SYS, SYS, "install.json", True, before, lambda: set_crashes(0))


def receive_file(dest, keep=""):
    """One file, stored under /robokit, read back, then renamed onto ``dest``."""
    r = _Receiver(_stdin(), ROOT, True)

    def prepare():
        makedirs(ROOT)
        if keep and exists(dest) and not exists(keep):
            with open(dest, "rb") as src, open(keep + ".tmp", "wb") as dst:
                dst.write(src.read())
            os.rename(keep + ".tmp", keep)

    def done():
        if not r.path:
            raise _Abort("no file")
        os.rename(ROOT + "/" + r.path, dest)

    def clean():
        if r.path:
            remove(ROOT + "/" + r.path)

    _serve("file", r, prepare, done, clean)
