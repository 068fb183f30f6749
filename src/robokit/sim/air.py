"""The radio between simulated robots: one :class:`Air` is the shared medium of a run.

Every :class:`~robokit.sim.brick.SimBrick` joins an ``Air`` of its own when it is made
(so one robot alone hears nothing, as before); a run of several robots gives them one
shared ``Air`` instead::

    air = Air(seed=7, noise=True)
    for brick in bricks:
        brick.air = air
        brick.air_member = air.join(brick)

Two radios are simulated, each as the Pybricks documentation has it:

* **BLE broadcast/observe** (``hub.ble`` on the Powered Up hubs): a hub that broadcasts
  sends its data in an advertising event every :data:`ADVERTISING_INTERVAL_US`, from the
  moment it starts broadcasting, carrying the data set last before the event; another
  robot hears an event :data:`DELIVERY_DELAY_US` after it, when it is within range.  An
  observer keeps the last data heard on each channel (from whichever robot) and forgets
  it when nothing was heard for :data:`OBSERVED_TIMEOUT_US`; its signal strength is
  Pybricks' moving average of the heard events' RSSI.  The payload is bytes in
  Pybricks' broadcast encoding (the device API encodes and decodes it).
* **EV3 Bluetooth mailboxes** (``pybricks.messaging``): a server listens, a client
  connects to it by the brick's name (the robot's ``name``, or the one given to
  :meth:`Air.join`; an EV3 also answers to ``"ev3dev"``, its name until renamed); both
  ends have the connection :data:`MAILBOX_DELAY_US` after the client asked, and a
  mailbox value sent arrives ``MAILBOX_DELAY_US`` later, never lost (a Bluetooth
  classic connection is reliable, in order).

Range: the received strength falls with distance, ``RSSI = REFERENCE_DBM - 10 n
log10(d / REFERENCE_MM)``, and nothing below :data:`SENSITIVITY_DBM` is heard, which
puts the range at :data:`RANGE_MM`.  With ``noise`` on, each advertising event is lost
for each listener with probability :data:`LOSS_RATE` and its RSSI varies by up to
:data:`RSSI_JITTER_DB`; both are drawn from a hash of (seed, sender, listener, event time),
so a run is the same for a seed, whatever order the robots' programs call in.

Determinism across robots: nothing a robot does at simulated time *t* is seen by another
before *t* + :data:`LOOKAHEAD_US`, so the answers are the same however the host schedules
the programs, as long as no robot's clock runs more than ``LOOKAHEAD_US`` ahead of
another's.  Positions at past times come from samples each member's brick takes every
:data:`POSE_PERIOD_US` of its own simulated time (a timer started when a second robot
joins; one robot alone costs nothing).
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Portable code: it also runs in MicroPython's VM, for the one robot of a run with --exact
# (robokit.sim.vmbrick), in one thread.
if sys.implementation.name != "micropython":
    import threading
    from bisect import bisect_right, insort
else:
    threading = None  # type: ignore[assignment]

    def bisect_right(a, x):  # type: ignore[no-redef]
        lo, hi = 0, len(a)
        while lo < hi:
            mid = (lo + hi) // 2
            if x < a[mid]:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def insort(a, x):  # type: ignore[misc]
        a.insert(bisect_right(a, x), x)

#: Pybricks broadcasts as non-connectable advertisements "every 100ms"
#: (pybricks-micropython PR #158, "BLE Broadcast v2", the scheme of Pybricks 3.3 and
#: the 4.0 API); later firmware advertises every 30 ms on the BTstack hubs (PR #500).
ADVERTISING_INTERVAL_US = 100_000
#: From an advertising event to the observer holding its data: one interval (the
#: observer's scan catches it within that; robokit takes the whole interval, so the
#: first data is heard exactly one interval after ``broadcast()``).
DELIVERY_DELAY_US = ADVERTISING_INTERVAL_US
#: observe() is None "if no data has been received within the last second" (Pybricks'
#: BLERadio.observe documentation).
OBSERVED_TIMEOUT_US = 1_000_000
#: The window of Pybricks' moving average of the RSSI (RSSI_FILTER_WINDOW_MS in its
#: firmware), µs.
RSSI_WINDOW_US = 512_000
#: How far back the moving average is recomputed from: older events weigh under 1 %.
RSSI_LOOKBACK_US = 2_000_000
#: signal_strength() when nothing was heard, dBm (Pybricks: -128).
NO_SIGNAL_DBM = -128
#: Path loss: the strength at REFERENCE_MM and the exponent.  Pybricks documents "nearby
#: devices may have a signal strength around -40 dBm, while far away devices might have
#: a signal strength around -70 dBm": -40 dBm at 10 cm, -65 at 1 m, -70 at 1.6 m.
REFERENCE_DBM = -40.0
REFERENCE_MM = 100.0
PATH_LOSS_EXPONENT = 2.5
#: Weaker than this is not heard (a typical BLE receiver's sensitivity), dBm.
SENSITIVITY_DBM = -90.0
#: Where the strength reaches SENSITIVITY_DBM: 10 m.
RANGE_MM = REFERENCE_MM * 10 ** ((REFERENCE_DBM - SENSITIVITY_DBM) / (10 * PATH_LOSS_EXPONENT))
#: With noise: the share of advertising events a listener misses, and the RSSI's spread.
LOSS_RATE = 0.1
RSSI_JITTER_DB = 3.0
#: A mailbox value (and a connection, and a close) reaches the other brick this much
#: later.  Pybricks documents no figure for the EV3's Bluetooth (RFCOMM) link; robokit
#: takes 20 ms, a typical Bluetooth classic round trip.
MAILBOX_DELAY_US = 20_000
#: The least time between a robot's action and another robot seeing it.
LOOKAHEAD_US = min(DELIVERY_DELAY_US, MAILBOX_DELAY_US)
#: The name an EV3 brick has until it is renamed (ev3dev's host name).
EV3_DEFAULT_NAME = "ev3dev"
#: How often each member's position is sampled once the air has two members, µs.
POSE_PERIOD_US = 10_000
#: Positions and broadcasts older than this (behind the slowest member) are dropped.
_KEEP_US = DELIVERY_DELAY_US + RSSI_LOOKBACK_US + OBSERVED_TIMEOUT_US
_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a well spread 64-bit hash of ``x``."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _unit(*keys: int) -> float:
    """A number in [0, 1) that depends only on ``keys``."""
    h = 0
    for k in keys:
        h = _mix(h ^ (k & _MASK))
    return (h >> 11) / float(1 << 53)


def strength_dbm(distance_mm: float) -> float:
    """The received signal strength at ``distance_mm`` from the sender, dBm."""
    d = max(distance_mm, REFERENCE_MM)
    return REFERENCE_DBM - 10.0 * PATH_LOSS_EXPONENT * math.log10(d / REFERENCE_MM)


def _hypot(x: float, y: float) -> float:
    """math.hypot, which MicroPython lacks."""
    f = getattr(math, "hypot", None)
    return f(x, y) if f is not None else math.sqrt(x * x + y * y)


class _OneThread:
    """The lock of an Air in one thread (MicroPython's VM): nothing to wait for."""

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


class _Member:
    """One brick on the air: its name, positions, broadcasts and mailboxes."""

    def __init__(self, brick: Any, name: str):
        self.brick = brick
        self.name = name
        #: What a client may connect to it by: its name; an EV3 also answers to
        #: "ev3dev", the name every EV3 has until renamed (Pybricks' examples use it).
        robot = getattr(brick, "robot", None) or {}
        ev3 = (robot.get("hub") or {}).get("type") == "EV3Brick"
        self.names = (name, EV3_DEFAULT_NAME) if ev3 and name != EV3_DEFAULT_NAME \
            else (name,)
        self.sampling = False
        self.pose_t: list[int] = []
        self.pose_xy: list[tuple[float, float]] = []
        # Broadcasts: what was set when, (t, channel, payload or None); runs of broadcasting.
        self.tx_t: list[int] = []
        self.tx: list[tuple[int, bytes | None]] = []
        self.runs: list[list[int | None]] = []  # [start_us, stop_us or None]
        # Mailboxes: listening since (None: not a server), deliveries by mailbox name.
        self.listening: int | None = None
        self.boxes: dict[str, list[tuple[int, int, int, bytes]]] = {}
        self.dropped: dict[str, int] = {}  # deliveries pruned from the front of a box
        self.sent = 0

    def note_pose(self, now_us: int) -> None:
        x, y, _ = self.brick.pose()
        if self.pose_t and self.pose_t[-1] == now_us:
            self.pose_xy[-1] = (x, y)
            return
        self.pose_t.append(now_us)
        self.pose_xy.append((x, y))

    def xy_at(self, t: int) -> tuple[float, float]:
        if not self.pose_t:
            x, y, _ = self.brick.pose()
            return x, y
        i = bisect_right(self.pose_t, t) - 1
        return self.pose_xy[max(i, 0)]

    def data_at(self, t: int) -> tuple[int, bytes | None]:
        i = bisect_right(self.tx_t, t) - 1
        return self.tx[i] if i >= 0 else (0, None)

    def events(self, lo: int, hi: int) -> list[int]:
        """Times of this member's advertising events in ``[lo, hi]``."""
        out = []
        iv = ADVERTISING_INTERVAL_US
        for start, stop in self.runs:
            assert start is not None
            end = hi if stop is None else min(hi, stop - 1)
            if end < lo or end < start:
                continue
            k = max(0, -(-(lo - start) // iv))
            t = start + k * iv
            while t <= end:
                out.append(t)
                t += iv
        return out


class _Link:
    """A mailbox connection: a client and its server, when made and closed."""

    def __init__(self, client: int, server: int, made: int):
        self.client = client
        self.server = server
        self.made = made
        self.closed: int | None = None
        self.closed_by: int | None = None


class Air:
    """The radio medium of one run: BLE broadcasts and EV3 mailboxes between members."""

    def __init__(self, seed: int | None = None, noise: bool = False):
        self.seed = 0 if seed is None else int(seed)
        self.noise = bool(noise)
        self._members: list[_Member] = []
        self._links: list[_Link] = []
        self._heard_memo: dict[tuple[int, int, int], int | None] = {}
        #: Per (member, channel): (version, valid from, valid until, last heard at, data,
        #: rssi), and the version, which each change of a broadcast or a member moves.
        self._observed: dict[tuple[int, int], tuple[int, int, int, int, bytes | None, int]] = {}
        self._version = 0
        self._lock: Any = threading.RLock() if threading is not None else _OneThread()

    # -- members ----------------------------------------------------------------------
    def join(self, brick: Any, name: str | None = None) -> int:
        """Put ``brick`` (a SimBrick: ``pose()`` and ``now``; ``every()`` for sampling)
        on the air; returns its member index.  ``name`` is what mailbox clients connect
        to (default: the robot's ``name``)."""
        with self._lock:
            if name is None:
                robot = getattr(brick, "robot", None) or {}
                name = str(robot.get("name", "robot"))
            self._members.append(_Member(brick, name))
            self._version += 1
            member = len(self._members) - 1
            if len(self._members) >= 2:
                for m in self._members:
                    self._start_sampling(m)
            return member

    def _start_sampling(self, m: _Member) -> None:
        if m.sampling:
            return
        m.sampling = True
        m.note_pose(int(m.brick.now))

        def sample(now_us: int) -> None:
            m.note_pose(now_us)
            if len(m.pose_t) > 1024:
                with self._lock:
                    self._prune(m)

        m.brick.every(POSE_PERIOD_US, sample)

    def name_of(self, member: int) -> str:
        """The brick name of ``member`` (what a mailbox client connects to)."""
        return self._members[member].name

    def __len__(self) -> int:
        return len(self._members)

    def _oldest_now(self) -> int:
        return min(int(m.brick.now) for m in self._members)

    def _prune(self, m: _Member) -> None:
        cut = self._oldest_now() - _KEEP_US
        if len(m.pose_t) > 512:
            i = max(bisect_right(m.pose_t, cut) - 1, 0)
            del m.pose_t[:i], m.pose_xy[:i]
        if len(m.tx_t) > 512:
            i = max(bisect_right(m.tx_t, cut) - 1, 0)
            del m.tx_t[:i], m.tx[:i]
            m.runs = [r for r in m.runs if r[1] is None or r[1] >= cut] or m.runs[-1:]
        if len(self._heard_memo) > 50_000:
            self._heard_memo.clear()

    def _prune_box(self, m: _Member, name: str) -> None:
        """Drop the deliveries to ``m``'s mailbox ``name`` that no read can reach any
        more (all but the last delivered before the slowest member's clock)."""
        box = m.boxes[name]
        i = bisect_right(box, (self._oldest_now(), 1 << 62, 0, b"")) - 1
        if i > 0:
            del box[:i]
            m.dropped[name] = m.dropped.get(name, 0) + i

    # -- BLE broadcast / observe --------------------------------------------------------
    def broadcast(self, member: int, channel: int, payload: bytes | None,
                  now_us: int) -> None:
        """From ``now_us`` on, ``member`` broadcasts ``payload`` (Pybricks' broadcast
        encoding, bytes) on ``channel`` at every advertising event; ``None`` stops."""
        with self._lock:
            m = self._members[member]
            entry = (int(channel), None if payload is None else bytes(payload))
            last = m.tx[-1] if m.tx else (0, None)
            if entry[1] is None and last[1] is None:
                return
            if entry == last:
                return  # the same data again: the advertising goes on as it was
            if last[1] is None:
                m.runs.append([now_us, None])
            elif entry[1] is None:
                m.runs[-1][1] = now_us
            self._version += 1
            if m.tx_t and m.tx_t[-1] == now_us:
                m.tx[-1] = entry
            else:
                m.tx_t.append(now_us)
                m.tx.append(entry)
            self._prune(m)

    def _heard(self, sender: int, listener: int, event_us: int) -> int | None:
        """The RSSI (dBm) at which ``listener`` hears ``sender``'s advertising event at
        ``event_us``, or None when it is out of range or (with noise) lost."""
        key = (sender, listener, event_us)
        if key in self._heard_memo:
            return self._heard_memo[key]
        sx, sy = self._members[sender].xy_at(event_us)
        lx, ly = self._members[listener].xy_at(event_us + DELIVERY_DELAY_US)
        rssi = strength_dbm(_hypot(sx - lx, sy - ly))
        lost = False
        if self.noise:
            lost = _unit(self.seed, sender, listener, event_us, 1) < LOSS_RATE
            rssi += RSSI_JITTER_DB * (2.0 * _unit(self.seed, sender, listener, event_us, 2)
                                      - 1.0)
        out = None if lost or rssi < SENSITIVITY_DBM else int(round(rssi))
        self._heard_memo[key] = out
        return out

    def observe(self, member: int, channel: int, now_us: int) -> tuple[bytes, int] | None:
        """``(payload, rssi_dbm)``: the last data ``member`` heard on ``channel`` by
        ``now_us`` and Pybricks' moving average of its signal strength; None when
        nothing was heard within the last second."""
        with self._lock:
            if len(self._members) < 2:
                return None
            newest = now_us - DELIVERY_DELAY_US
            key = (member, channel)
            got = self._observed.get(key)
            # What was heard changes only when an event enters or leaves the window, or
            # a broadcast changes: until then (a program observing in a loop) it is kept.
            if got is None or got[0] != self._version or not got[1] <= newest < got[2]:
                got = (self._version, newest, self._next_change(member, newest)) + \
                    self._hear(member, channel, newest)
                self._observed[key] = got
            last_t, payload, rssi = got[3], got[4], got[5]
            if payload is None or now_us - last_t > OBSERVED_TIMEOUT_US:
                return None
            return payload, rssi

    def _hear(self, member: int, channel: int, newest: int) -> tuple[int, bytes | None, int]:
        """When ``member`` last heard ``channel`` by the event time ``newest``, the
        data, and Pybricks' moving average of the signal: ``(0, None, -128)`` if never."""
        heard: list[tuple[int, int, int, bytes]] = []
        for s, m in enumerate(self._members):
            if s == member or not m.runs:
                continue
            for e in m.events(newest - RSSI_LOOKBACK_US, newest):
                ch, payload = m.data_at(e)
                if ch != channel or payload is None:
                    continue
                rssi = self._heard(s, member, e)
                if rssi is not None:
                    heard.append((e + DELIVERY_DELAY_US, s, rssi, payload))
        if not heard:
            return 0, None, NO_SIGNAL_DBM
        heard.sort(key=lambda h: (h[0], h[1]))
        # Pybricks' filter: each event pulls the average toward its RSSI by the time
        # since the one before, over a 512 ms window.
        avg = float(NO_SIGNAL_DBM)
        prev: int | None = None
        for t, _s, rssi, _p in heard:
            diff = RSSI_WINDOW_US if prev is None else min(t - prev, RSSI_WINDOW_US)
            prev = t
            avg = (avg * (RSSI_WINDOW_US - diff) + rssi * diff) / RSSI_WINDOW_US
        return heard[-1][0], heard[-1][3], int(avg)

    def _next_change(self, member: int, newest: int) -> int:
        """The first event time after ``newest`` at which the others' events within
        ``RSSI_LOOKBACK_US`` before it are not those at ``newest``."""
        iv = ADVERTISING_INTERVAL_US
        lo = newest - RSSI_LOOKBACK_US
        nxt = 1 << 62
        for s, m in enumerate(self._members):
            if s == member:
                continue
            for start, stop in m.runs:
                assert start is not None
                first = start + max(0, -(-(lo - start) // iv)) * iv
                if stop is not None and first >= stop:
                    continue
                if first > newest:  # the run's first event in the window enters later
                    nxt = min(nxt, first)
                    continue
                nxt = min(nxt, first + RSSI_LOOKBACK_US + 1)  # it leaves the window
                following = first + ((newest - first) // iv + 1) * iv
                if stop is None or following < stop:
                    nxt = min(nxt, following)  # the next one enters
        return nxt

    # -- EV3 mailboxes ------------------------------------------------------------------
    def mailbox_listen(self, member: int, now_us: int) -> None:
        """``member`` becomes a mailbox server: clients may connect from now on."""
        with self._lock:
            m = self._members[member]
            if m.listening is None:
                m.listening = now_us

    def mailbox_connect(self, member: int, brick: str, now_us: int) -> bool:
        """``member`` tries to connect to the server on the brick named ``brick``: True
        once connected, False while not yet (no such server listens within range yet, or
        the connection is being made: both ends have it MAILBOX_DELAY_US after the
        client asked).  ``OSError`` when no other brick of that name is on the air."""
        with self._lock:
            for link in self._links:
                if link.client == member and link.closed is None and \
                        brick in self._members[link.server].names:
                    return now_us >= link.made + MAILBOX_DELAY_US
            named = [i for i, m in enumerate(self._members)
                     if brick in m.names and i != member]
            if not named:
                if len(self._members) < 2:
                    raise OSError("cannot connect to " + repr(brick) + ": robokit "
                                  "simulates one robot per run, so no other EV3 is there "
                                  "to connect to")
                others = ", ".join(repr(m.name) for i, m in enumerate(self._members)
                                   if i != member)
                raise OSError("cannot connect to " + repr(brick) + ": no brick of that "
                              "name in this run (the others: " + others + ")")
            seen = now_us - MAILBOX_DELAY_US  # what the client can know of the servers
            me = self._members[member].xy_at(now_us)
            for i in named:
                s = self._members[i]
                if s.listening is None or s.listening > seen:
                    continue
                sx, sy = s.xy_at(seen)
                if _hypot(sx - me[0], sy - me[1]) > RANGE_MM:
                    continue
                self._links.append(_Link(member, i, now_us))
                return MAILBOX_DELAY_US <= 0
            return False

    def _open_links(self, member: int, now_us: int) -> list[tuple[_Link, int]]:
        """The links ``member`` sees open at ``now_us``, each with the peer's index."""
        out = []
        for link in self._links:
            if member == link.client:
                peer = link.server
            elif member == link.server:
                peer = link.client
            else:
                continue
            if link.made + MAILBOX_DELAY_US > now_us:
                continue  # being made: both ends have it one delay after the client asked
            if link.closed is not None:
                own = link.closed_by == member
                if link.closed + (0 if own else MAILBOX_DELAY_US) <= now_us:
                    continue
            out.append((link, peer))
        return out

    def mailbox_peers(self, member: int, now_us: int) -> tuple[str, ...]:
        """Names of the bricks ``member`` is connected to at ``now_us``."""
        with self._lock:
            return tuple(self._members[p].name for _l, p in self._open_links(member, now_us))

    def mailbox_send(self, member: int, name: str, data: bytes, now_us: int,
                     to: str | None = None) -> int:
        """Deliver ``data`` to mailbox ``name`` of every brick ``member`` is connected
        to (``to``: only the one of that name) at ``now_us`` + MAILBOX_DELAY_US; returns
        how many bricks it goes to.  ``OSError`` when ``to`` is not connected."""
        with self._lock:
            m = self._members[member]
            peers = [p for _l, p in self._open_links(member, now_us)
                     if to is None or to in self._members[p].names]
            if to is not None and not peers:
                raise OSError("mailbox " + repr(name) + ": not connected to a brick named "
                              + repr(to))
            for p in sorted(set(peers)):
                m.sent += 1
                peer = self._members[p]
                box = peer.boxes.setdefault(name, [])
                insort(box, (now_us + MAILBOX_DELAY_US, member, m.sent, bytes(data)))
                if len(box) > 256:
                    self._prune_box(peer, name)
            return len(set(peers))

    def mailbox_read(self, member: int, name: str, now_us: int) -> tuple[bytes, int] | None:
        """``(data, count)``: the latest value delivered to ``member``'s mailbox ``name``
        by ``now_us`` and how many were delivered so far; None when none was."""
        with self._lock:
            m = self._members[member]
            box = m.boxes.get(name)
            if not box:
                return None
            n = bisect_right(box, (now_us, 1 << 62, 0, b""))
            return None if n == 0 else (box[n - 1][3], m.dropped.get(name, 0) + n)

    def mailbox_close(self, member: int, now_us: int) -> None:
        """``member`` closes all its mailbox connections and stops listening."""
        with self._lock:
            self._members[member].listening = None
            for link in self._links:
                if link.closed is None and member in (link.client, link.server):
                    link.closed = now_us
                    link.closed_by = member

    def leave(self, member: int, now_us: int) -> None:
        """``member``'s program ended at ``now_us``: as on a hub, its broadcast stops
        and its mailbox connections close (what others heard before stays heard)."""
        with self._lock:
            m = self._members[member]
            if m.tx and m.tx[-1][1] is not None:
                self.broadcast(member, m.tx[-1][0], None, now_us)
            self.mailbox_close(member, now_us)


class RadioHAL:
    """The radio part of SimBrick's HAL (the methods :class:`~robokit.devices._hal.HAL`
    documents): each is one call on the brick's :class:`Air` (``air``, where it is
    member ``air_member``) at the brick's time, and costs a device call's time."""

    now: int
    air: Air
    air_member: int
    sleep_us: Callable[[int], None]  # SimBrick's: sleep_us(0) costs a device call's time

    def ble_broadcast(self, channel: int, payload: bytes | None) -> None:
        self.sleep_us(0)
        self.air.broadcast(self.air_member, channel, payload, self.now)

    def ble_observe(self, channel: int) -> tuple[bytes, int] | None:
        self.sleep_us(0)
        return self.air.observe(self.air_member, channel, self.now)

    def mailbox_listen(self) -> None:
        self.sleep_us(0)
        self.air.mailbox_listen(self.air_member, self.now)

    def mailbox_connect(self, brick: str) -> bool:
        self.sleep_us(0)
        return self.air.mailbox_connect(self.air_member, brick, self.now)

    def mailbox_peers(self) -> tuple[str, ...]:
        self.sleep_us(0)
        return self.air.mailbox_peers(self.air_member, self.now)

    def mailbox_send(self, name: str, data: bytes, brick: str | None = None) -> int:
        self.sleep_us(0)
        return self.air.mailbox_send(self.air_member, name, data, self.now, to=brick)

    def mailbox_read(self, name: str) -> tuple[bytes, int] | None:
        self.sleep_us(0)
        return self.air.mailbox_read(self.air_member, name, self.now)

    def mailbox_close(self) -> None:
        self.sleep_us(0)
        self.air.mailbox_close(self.air_member, self.now)
