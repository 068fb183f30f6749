"""SHA-256 without loading OpenSSL: CPython's own built-in implementation where it has one.

``hashlib`` picks OpenSSL's SHA-256 when it can, and loading that library costs every
``robokit run`` about 4 ms of its start (a third of a millisecond for the built-in
module).  The built-in one hashes about five times slower, but a run hashes only about
230 KB (its stored bundle, once, as the compile cache's check, and the program's
sources): under a millisecond, so a run starts some 3 ms sooner.  The digests are the
same: SHA-256 is SHA-256.  Where the built-in module is missing (a Python built without
it), hashlib's.
"""

try:
    from _sha2 import sha256  # CPython 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # CPython 3.11 and earlier
    except ImportError:  # pragma: no cover
        from hashlib import sha256

__all__ = ["sha256"]
