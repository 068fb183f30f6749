"""Immutable records: compared, hashed and shown by their fields, as a frozen dataclass
is, made without dataclasses' code generation (which compiles each class's methods at
every import: milliseconds of every run's start-up).  The motor models
(:mod:`robokit.sim.motor`) and the world's shapes (:mod:`robokit.sim.world.shapes`) are
such records.

Portable: MicroPython runs it too, as part of the robot inside its VM
(:mod:`robokit.sim.vmbrick`), where a record is not frozen.
"""

import sys

_FROZEN = sys.implementation.name != "micropython"
if _FROZEN:
    from dataclasses import FrozenInstanceError


class Record:
    """A record of the fields named in ``_FIELDS``, in order: equal to a record of its
    own class with equal fields, hashed and shown by them; :meth:`replace` makes a
    changed copy.  Assigning to or deleting a field raises
    ``dataclasses.FrozenInstanceError`` (an AttributeError), as on a frozen dataclass;
    a subclass's ``__init__`` sets its fields with :func:`set_field`."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({shown})"

    def replace(self, **changes: object) -> "Record":
        """A copy with ``changes`` (field name: new value)."""
        for name in changes:
            if name not in self._FIELDS:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
        return type(self)(*(changes.get(name, getattr(self, name))
                            for name in self._FIELDS))

    if _FROZEN:  # (MicroPython: nothing assigns to a record made there)

        def __setattr__(self, name: str, value: object) -> None:
            raise FrozenInstanceError(f"cannot assign to field {name!r}: "
                                      f"{type(self).__name__} is immutable")

        def __delattr__(self, name: str) -> None:
            raise FrozenInstanceError(f"cannot delete field {name!r}: "
                                      f"{type(self).__name__} is immutable")


#: Set a field of a record in its ``__init__`` (past ``Record.__setattr__``).
set_field = object.__setattr__ if _FROZEN else setattr
