# robokit board-side file system: the one place that knows how robokit lays out and
# changes files on a MicroPython board. Portable MicroPython.
#
# Used by the boot stub (boot/main.py), the boot module (robokit_boot.py), the loader
# (loader.py), the upload receiver (receiver.py) and the small scripts the host runs
# (scripts/). `robokit install` stores it in the system slot, where the boot module and
# the loader import it; for code it sends over the raw REPL (the loader, the receiver,
# the scripts) the host puts the definitions used in place of the
# `from robokit_fs import ...` line (robokit.targets.micropython.scripts), since a bare
# board has no robokit_fs to import.
#
# Slots and pointers: a folder (/robokit for programs, /robokit/sys for robokit itself)
# has two slots, a and b, and a pointer file "active" naming the one in use. A commit
# writes the new name to "active.tmp" and renames it onto "active". On FAT a rename onto
# a file removes that file first: a power cut between the two halves leaves only
# active.tmp, which then names the slot in use until finish_commit() completes the rename.

import os

ROOT = "/robokit"
SYS = ROOT + "/sys"
CRASHES = ROOT + "/crashes"
POINTER = "/active"
POINTER_TMP = "/active.tmp"
SLOTS = ("a", "b")


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def read(path):
    """The file's bytes, or None when it cannot be read (missing)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def remove(path):
    """Remove a file if it is there (a missing file writes nothing)."""
    if exists(path):
        os.remove(path)


def makedirs(path):
    p = ""
    for part in path.split("/"):
        if not part:
            continue
        p += "/" + part
        if not exists(p):
            os.mkdir(p)


def rmtree(path):
    try:
        entries = list(os.ilistdir(path))
    except OSError:
        return
    for e in entries:
        child = path + "/" + e[0]
        if e[1] & 0x4000:
            rmtree(child)
        else:
            os.remove(child)
    try:
        os.rmdir(path)
    except OSError as e:
        if e.args[0] != 2:  # ENOENT: gone already (a folder only implied by its files)
            raise


def pointer(folder):
    """What the pointer in ``folder`` says (stripped text), or None when there is none.
    "active" is read first; only when it cannot be read, active.tmp (a commit cut by a
    power loss: see above). The caller checks that the name is one of SLOTS."""
    for name in (POINTER, POINTER_TMP):
        data = read(folder + name)
        if data is not None:
            return data.decode().strip()
    return None


def active(folder):
    """The slot ("a" or "b") the pointer in ``folder`` names, or None."""
    name = pointer(folder)
    return name if name in SLOTS else None


def commit(folder, slot):
    """Make ``slot`` the active one: written whole under the temporary name, then renamed
    onto the pointer."""
    with open(folder + POINTER_TMP, "w") as f:
        f.write(slot + "\n")
    os.rename(folder + POINTER_TMP, folder + POINTER)


def finish_commit(folder):
    """Complete a pointer rename that a power loss cut between its two halves."""
    if exists(folder + POINTER):
        return
    name = read(folder + POINTER_TMP)
    if name is not None and name.decode().strip() in SLOTS:
        os.rename(folder + POINTER_TMP, folder + POINTER)


def drop_commit(folder):
    """Forget a commit that was never made (an upload that failed before its rename)."""
    try:
        os.remove(folder + POINTER_TMP)
    except OSError:
        pass


def crashes():
    """The crash counter: runs in a row started at power-up that did not end cleanly."""
    try:
        return int((read(CRASHES) or b"0").strip() or "0")
    except ValueError:
        return 0  # cut mid-write


def set_crashes(n):
    """Set the crash counter (0 removes it); a full or read-only filesystem is ignored:
    it must not stop the board."""
    try:
        if n <= 0:
            remove(CRASHES)
        else:
            with open(CRASHES, "w") as f:
                f.write(str(n))
    except OSError:
        pass


def free(path="/"):
    """Bytes a program may still write on the filesystem holding ``path``, -1 if unknown.
    statvfs is (f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, ...): f_bavail counts the
    blocks an unprivileged writer may use (f_bfree also counts reserved ones) and the
    block counts are in units of f_frsize (f_bsize is only the preferred I/O size)."""
    try:
        s = os.statvfs(path)
        return s[1] * s[4]
    except Exception:
        return -1


def sha256(path):
    """(size, SHA-256 digest) of a file as stored, or None when it cannot be read."""
    import hashlib

    try:
        f = open(path, "rb")
    except OSError:
        return None
    h = hashlib.sha256()
    n = 0
    try:
        while True:
            b = f.read(512)
            if not b:
                break
            h.update(b)
            n += len(b)
    finally:
        f.close()
    return n, h.digest()
