"""The radio between simulated robots (robokit.sim.air): Pybricks' BLE broadcast/observe
and the EV3's Bluetooth mailboxes, between SimBricks that share one Air."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from robokit.config import check_robot, standard_rover
from robokit.devices import _hal
from robokit.sim.air import (
    ADVERTISING_INTERVAL_US,
    DELIVERY_DELAY_US,
    MAILBOX_DELAY_US,
    OBSERVED_TIMEOUT_US,
    RANGE_MM,
    Air,
    strength_dbm,
)
from robokit.sim.brick import SimBrick
from robokit.sim.world import World


def floor() -> World:
    """A 60 m floor with no walls: room to put two robots out of each other's range."""
    return World.from_dict({"name": "hall", "size": [60000, 60000],
                            "start": {"x": 0, "y": 0, "heading": 0}})


def brick_at(x: float, y: float = 0.0, robot: dict[str, Any] | None = None,
             **kw: Any) -> SimBrick:
    world = floor()
    world.start = type(world.start)(x, y, 0.0)
    return SimBrick(world, robot if robot is not None else standard_rover(), **kw)


def on_one_air(*bricks: SimBrick, seed: int | None = None, noise: bool = False) -> Air:
    """Share one Air between ``bricks``, as an arena does."""
    air = Air(seed, noise)
    for b in bricks:
        b.air = air
        b.air_member = air.join(b)
    return air


def until(brick: SimBrick, t_us: int) -> None:
    """Move ``brick``'s clock to ``t_us``."""
    brick.sleep_us(t_us - brick.now)


def hubs(a: SimBrick, b: SimBrick) -> tuple[Any, Any]:
    from robokit.devices.pybricks.hubs import PrimeHub

    with a.attached():
        sender = PrimeHub(broadcast_channel=1)
    with b.attached():
        listener = PrimeHub(observe_channels=[1])
    return sender, listener


def test_a_broadcast_is_heard_one_advertising_interval_later_and_while_it_goes_on() -> None:
    a, b = brick_at(0), brick_at(500)
    on_one_air(a, b)
    sender, listener = hubs(a, b)
    with a.attached():
        sender.ble.broadcast((12, "go"))
        sent_at = a.now
    with b.attached():
        until(b, sent_at + DELIVERY_DELAY_US - 1000)
        assert listener.ble.observe(1) is None  # not yet
        assert listener.ble.signal_strength(1) == -128
        until(b, sent_at + DELIVERY_DELAY_US)
        assert listener.ble.observe(1) == (12, "go")
        assert listener.ble.signal_strength(1) == round(strength_dbm(500))
    with a.attached():
        until(a, 3_000_000)
    with b.attached():
        until(b, 2_900_000)  # long after the first event: the data goes on being heard
        assert listener.ble.observe(1) == (12, "go")
    with a.attached():
        sender.ble.broadcast(None)
        stopped_at = a.now
        until(a, 6_000_000)
    with b.attached():
        # The last event before the stop is heard, then kept for one second.
        iv = ADVERTISING_INTERVAL_US
        last_event = sent_at + (stopped_at - 1 - sent_at) // iv * iv
        until(b, last_event + DELIVERY_DELAY_US + OBSERVED_TIMEOUT_US - 1000)
        assert listener.ble.observe(1) == (12, "go")
        until(b, last_event + DELIVERY_DELAY_US + OBSERVED_TIMEOUT_US + 1000)
        assert listener.ble.observe(1) is None
        assert listener.ble.signal_strength(1) == -128


def test_the_latest_data_is_heard_as_it_was_sent_a_value_or_a_tuple() -> None:
    a, b = brick_at(0), brick_at(0, 300)
    on_one_air(a, b)
    sender, listener = hubs(a, b)
    heard = []
    for i, data in enumerate((7, [1, 2.5, b"\x01\x02", True, "hi"], "solo", -70000, 0.1)):
        with a.attached():
            until(a, i * 1_000_000)
            sender.ble.broadcast(data)
            until(a, i * 1_000_000 + 500_000)
        with b.attached():
            until(b, i * 1_000_000 + 500_000)
            heard.append(listener.ble.observe(1))
    assert heard[:4] == [7, (1, 2.5, b"\x01\x02", True, "hi"), "solo", -70000]
    assert isinstance(heard[0], int) and not isinstance(heard[0], tuple)
    assert heard[4] != 0.1 and abs(heard[4] - 0.1) < 1e-7  # a 32-bit float, as Pybricks


def test_broadcast_types_and_size_limits_raise_as_pybricks_does() -> None:
    from robokit.devices.pybricks.hubs import PrimeHub

    a = brick_at(0)
    with a.attached():
        hub = PrimeHub(broadcast_channel=3)
        hub.ble.broadcast(("x" * 25,))  # 26 bytes in a tuple: fits
        with pytest.raises(ValueError, match="marks it as one value"):
            hub.ble.broadcast("x" * 25)  # one value: a byte more marks it single
        with pytest.raises(ValueError, match="takes 27 bytes"):
            hub.ble.broadcast([1.5] * 5 + [True, True])
        with pytest.raises(ValueError, match="32 bits"):
            hub.ble.broadcast(2 ** 31)
        with pytest.raises(TypeError, match="not dict"):
            hub.ble.broadcast({"a": 1})
        with pytest.raises(TypeError):
            hub.ble.broadcast((1, None))
        with pytest.raises(RuntimeError, match="no broadcast channel"):
            PrimeHub(observe_channels=[3]).ble.broadcast(1)
        with pytest.raises(ValueError, match="not observed"):
            hub.ble.observe(4)


def test_a_robot_out_of_range_hears_nothing_and_strength_falls_with_distance() -> None:
    a = brick_at(0)
    near, edge, far = brick_at(1000), brick_at(0, RANGE_MM - 100), brick_at(RANGE_MM + 100)
    on_one_air(a, near, edge, far)
    from robokit.devices.pybricks.hubs import PrimeHub

    with a.attached():
        PrimeHub(broadcast_channel=1).ble.broadcast(5)
    got = []
    for b in (near, edge, far):
        with b.attached():
            hub = PrimeHub(observe_channels=[1])
            until(b, 500_000)
            got.append((hub.ble.observe(1), hub.ble.signal_strength(1)))
    assert got[0] == (5, round(strength_dbm(1000)))
    assert got[1][0] == 5 and -90 <= got[1][1] < got[0][1]
    assert got[2] == (None, -128)


def _counter_heard(seed: int | None, noise: bool, in_turns: bool = False) -> list[Any]:
    """A counts up by one every advertising interval for 30 s; B looks every interval
    (half an interval later): what B heard.  ``in_turns``: the two programs take turns
    step by step (as an arena runs them), else A's whole run comes first."""
    a, b = brick_at(0, seed=seed, noise=noise), brick_at(400, seed=seed, noise=noise)
    on_one_air(a, b, seed=seed, noise=noise)
    sender, listener = hubs(a, b)
    heard: list[Any] = []

    def step_a(k: int) -> None:
        with a.attached():
            until(a, k * ADVERTISING_INTERVAL_US)
            sender.ble.broadcast(k)

    def step_b(k: int) -> None:
        with b.attached():
            until(b, k * ADVERTISING_INTERVAL_US + ADVERTISING_INTERVAL_US // 2)
            heard.append(listener.ble.observe(1))

    steps = range(300)
    if in_turns:
        for k in steps:
            step_a(k)
            step_b(k)
    else:
        for k in steps:
            step_a(k)
        for k in steps:
            step_b(k)
    return heard


def test_loss_is_seeded_the_same_for_a_seed_and_only_with_noise() -> None:
    clean = _counter_heard(1, False)
    assert clean[0] is None and clean[1:] == list(range(299))  # each, one interval later
    lossy = _counter_heard(1, True)
    assert lossy == _counter_heard(1, True)
    assert lossy != _counter_heard(2, True)
    # A lost event leaves the value before it: the same value twice in a row.
    repeats = sum(1 for x, y in zip(lossy[1:], lossy[2:], strict=False) if x == y)
    assert 10 <= repeats <= 60  # LOSS_RATE is 10 % of 300 events


def test_loss_does_not_depend_on_the_order_the_programs_run_in() -> None:
    assert _counter_heard(5, True, in_turns=True) == _counter_heard(5, True)


def test_observing_in_a_busy_loop_hears_what_a_look_now_and_then_hears() -> None:
    """observe() keeps what it heard until an event enters or leaves its window: looking
    every millisecond must give, at each time, what one look at that time gives."""
    def run(every_us: int, seen_at: int, afresh: bool = False) -> list[Any]:
        a = brick_at(0, seed=3, noise=True)
        b = brick_at(0, 800, seed=3, noise=True)
        on_one_air(a, b, seed=3, noise=True)
        sender, listener = hubs(a, b)
        with a.attached():
            for k in range(40):  # a new value every 230 ms, a pause of 1.5 s midway
                until(a, k * 230_000 + (1_500_000 if k >= 20 else 0))
                sender.ble.broadcast(None if k == 19 else (k, "n"))
        out = []
        with b.attached():
            for t in range(0, 12_000_000, every_us):
                until(b, t)
                if afresh:  # the reference: nothing kept from the look before
                    b.air._observed.clear()
                got = (listener.ble.observe(1), listener.ble.signal_strength(1))
                if t % seen_at == 0:
                    out.append(got)
        return out

    looks = run(37_000, 37_000, afresh=True)
    assert run(1000, 37_000) == looks
    assert {g[0] for g in looks} >= {None, (0, "n"), (18, "n"), (39, "n")}
    assert len({g[1] for g in looks}) > 3  # the strength varies (noise)


def test_one_robot_alone_hears_nothing() -> None:
    from robokit.devices.pybricks.hubs import PrimeHub

    a = brick_at(0)
    with a.attached():
        hub = PrimeHub(broadcast_channel=1, observe_channels=[1])
        hub.ble.broadcast(1)  # its own broadcast is not heard by itself
        until(a, 2_000_000)
        assert hub.ble.observe(1) is None
        assert hub.ble.signal_strength(1) == -128
    assert len(a.air) == 1


# -- EV3 mailboxes: two programs, each in its own thread, in turns ----------------------

class Turns:
    """Run one program per brick in its own thread, one at a time, each for a
    millisecond of its simulated time before the next takes its turn (a timer on each
    brick hands over), as an arena does."""

    SLICE_US = 1000

    def __init__(self, *bricks: SimBrick):
        self.bricks = bricks
        self.turn = 0
        self.done = [False] * len(bricks)
        self.cond = threading.Condition()
        self.errors: list[BaseException] = []
        for i, b in enumerate(bricks):
            b.every(self.SLICE_US, lambda _t, i=i: self._yield(i))

    def _next(self, i: int) -> int:
        for k in range(1, len(self.bricks) + 1):
            j = (i + k) % len(self.bricks)
            if not self.done[j]:
                return j
        return i

    def _take(self, i: int) -> None:
        with self.cond:
            while self.turn != i:
                self.cond.wait()
        _hal.attach(self.bricks[i])

    def _yield(self, i: int) -> None:
        if self.done[i]:
            return
        with self.cond:
            self.turn = self._next(i)
            self.cond.notify_all()
        self._take(i)

    def run(self, *programs: Callable[[], None]) -> None:
        def body(i: int) -> None:
            self._take(i)
            try:
                programs[i]()
            except BaseException as e:  # noqa: BLE001 - handed to the test's thread
                self.errors.append(e)
            finally:
                with self.cond:
                    self.done[i] = True
                    self.turn = self._next(i)
                    self.cond.notify_all()

        threads = [threading.Thread(target=body, args=(i,), daemon=True)
                   for i in range(len(programs))]
        prev = _hal.attach(None)
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            _hal.attach(prev)
        assert not any(t.is_alive() for t in threads), "a program never finished"
        if self.errors:
            raise self.errors[0]


def ev3(name: str, x: float) -> SimBrick:
    return brick_at(x, robot=check_robot({"name": name, "hub": {"type": "EV3Brick"}}),
                    duration_s=60)


def test_mailboxes_deliver_text_numbers_and_logic_between_two_ev3_bricks() -> None:
    server_brick, client_brick = ev3("ev3-server", 0), ev3("ev3-client", 600)
    on_one_air(server_brick, client_brick)
    log: list[tuple[str, Any, int]] = []

    def server() -> None:
        from robokit.devices.pybricks.hubs import EV3Brick
        from robokit.devices.pybricks.messaging import (
            BluetoothMailboxServer,
            LogicMailbox,
            NumericMailbox,
            TextMailbox,
        )

        EV3Brick()
        srv = BluetoothMailboxServer()
        text = TextMailbox("greeting", srv)
        number = NumericMailbox("speed", srv)
        flag = LogicMailbox("go", srv)
        srv.wait_for_connection()
        log.append(("server connected", None, server_brick.now))
        flag.send(True)
        log.append(("server sent go", True, server_brick.now))
        text.wait()
        log.append(("server read", text.read(), server_brick.now))
        log.append(("server speed", number.read(), server_brick.now))
        log.append(("server wait_new", text.wait_new(), server_brick.now))

    def client() -> None:
        from robokit.devices.pybricks.hubs import EV3Brick
        from robokit.devices.pybricks.messaging import (
            BluetoothMailboxClient,
            LogicMailbox,
            NumericMailbox,
            TextMailbox,
        )
        from robokit.devices.pybricks.tools import wait

        EV3Brick()
        cl = BluetoothMailboxClient()
        text = TextMailbox("greeting", cl)
        number = NumericMailbox("speed", cl)
        flag = LogicMailbox("go", cl)
        cl.connect("ev3-server")
        log.append(("client connected", None, client_brick.now))
        assert flag.read() is None  # nothing delivered yet
        flag.wait()
        log.append(("client read", flag.read(), client_brick.now))
        number.send(12.5)
        text.send("hello!")
        log.append(("client sent", "hello!", client_brick.now))
        wait(100)
        text.send("hello!")  # the same again: wait_new goes on waiting
        wait(100)
        text.send("bye")

    Turns(server_brick, client_brick).run(server, client)
    events = {k: (v, t) for k, v, t in log}
    assert events["server read"][0] == "hello!"
    assert events["server speed"][0] == 12.5
    assert events["client read"][0] is True
    assert events["server wait_new"][0] == "bye"
    # Each value arrives one mailbox delay after it was sent, never before.
    assert events["server read"][1] >= events["client sent"][1] + MAILBOX_DELAY_US
    assert events["client read"][1] >= events["server sent go"][1] + MAILBOX_DELAY_US
    # Both ends have the connection at once, one delay after the client asked.
    assert abs(events["server connected"][1] - events["client connected"][1]) <= 10_000
    assert events["client connected"][1] >= MAILBOX_DELAY_US


def test_the_pybricks_example_pair_works_unmodified_with_the_ev3s_default_name() -> None:
    """Pybricks' EV3 messaging example: the client connects to 'ev3dev' and sends at
    once; the server, back from wait_for_connection(), waits for that first message."""
    server_brick, client_brick = ev3("server robot", 0), ev3("client robot", 900)
    on_one_air(server_brick, client_brick)
    out: list[str] = []

    def server() -> None:
        from robokit.devices.pybricks.messaging import BluetoothMailboxServer, TextMailbox

        srv = BluetoothMailboxServer()
        mbox = TextMailbox("greeting", srv)
        srv.wait_for_connection()
        mbox.wait()
        out.append("server got " + mbox.read())
        mbox.send("hello to you!")

    def client() -> None:
        from robokit.devices.pybricks.messaging import BluetoothMailboxClient, TextMailbox

        cl = BluetoothMailboxClient()
        mbox = TextMailbox("greeting", cl)
        cl.connect("ev3dev")
        mbox.send("hello!")
        mbox.wait()
        out.append("client got " + mbox.read())

    Turns(server_brick, client_brick).run(server, client)
    assert out == ["server got hello!", "client got hello to you!"]


def test_a_client_gives_up_on_a_server_that_never_listens() -> None:
    a, b = ev3("ev3-server", 0), ev3("ev3-client", 600)
    on_one_air(a, b)
    with b.attached():
        from robokit.devices.pybricks.messaging import BluetoothMailboxClient

        with pytest.raises(OSError, match="did not wait for a connection"):
            BluetoothMailboxClient().connect("ev3-server")
        assert 5_000_000 < b.now < 6_000_000  # Bluetooth's page timeout, 5.12 s
        with pytest.raises(OSError, match="no brick of that name"):
            BluetoothMailboxClient().connect("nobody")


def test_the_relay_example_in_the_docs_runs_as_written() -> None:
    import contextlib
    import io
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "pybricks-programs.md").read_text()
    blocks = dict(re.findall(r"```python\n# (relay_\w+\.py)\n(.*?)```", doc, re.S))
    assert set(blocks) == {"relay_go.py", "relay_wait.py"}
    go, waiter = brick_at(0, duration_s=10), brick_at(500, duration_s=10)
    on_one_air(go, waiter)
    out = io.StringIO()

    def program(name: str) -> Callable[[], None]:
        # The simulator hands programs robokit's pybricks namespace; here, by its name.
        source = blocks[name].replace("from pybricks.", "from robokit.devices.pybricks.")
        return lambda: exec(compile(source, name, "exec"), {})

    with contextlib.redirect_stdout(out):
        Turns(go, waiter).run(program("relay_go.py"), program("relay_wait.py"))
    assert out.getvalue() == f"('go', 42) {round(strength_dbm(500))}\n"
    assert DELIVERY_DELAY_US <= waiter.now <= DELIVERY_DELAY_US + 20_000


def test_a_broadcast_in_a_task_may_be_awaited_or_not() -> None:
    from robokit.devices.pybricks.tools import run_task

    a, b = brick_at(0), brick_at(500)
    on_one_air(a, b)
    sender, listener = hubs(a, b)

    async def main() -> None:
        await sender.ble.broadcast("first")
        sender.ble.broadcast("second")  # not awaited: it is sent all the same

    with a.attached():
        run_task(main())
        until(a, 1_000_000)
    with b.attached():
        until(b, 500_000)
        assert listener.ble.observe(1) == "second"


def test_a_long_run_keeps_what_it_needs_only_and_counts_every_delivery() -> None:
    a, b = (brick_at(x, robot=check_robot({"name": n, "hub": {"type": "EV3Brick"}}))
            for n, x in (("a", 0), ("b", 300)))
    air = on_one_air(a, b)
    air.mailbox_listen(0, 0)
    until(a, 30_000)
    until(b, 30_000)
    assert not air.mailbox_connect(1, "a", b.now)
    until(b, 60_000)
    assert air.mailbox_connect(1, "a", b.now)
    sent = 0
    for t in range(100_000, 60_000_000, 10_000):  # a value every 10 ms for a minute
        until(a, t)
        until(b, t)
        air.mailbox_send(1, "n", sent.to_bytes(4, "little"), b.now)
        sent += 1
    until(a, 61_000_000)
    got = air.mailbox_read(0, "n", a.now)
    assert got == ((sent - 1).to_bytes(4, "little"), sent)
    # Memory: a few hundred deliveries and pose samples, not a minute's.
    member = air._members[0]
    assert len(member.boxes["n"]) <= 257 and len(member.pose_t) <= 1025


def test_two_programs_talk_through_bleradio_in_one_run(tmp_path: Path) -> None:
    from robokit.sim import simulate

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sender = tmp_path / "a" / "main.py"
    sender.write_text(
        "from pybricks.messaging import BLERadio\nfrom pybricks.tools import wait\n"
        "radio = BLERadio(broadcast_channel=5)\nfor i in range(20):\n"
        "    radio.broadcast(i * 1.5)\n    wait(100)\n")
    listener = tmp_path / "b" / "main.py"
    listener.write_text(
        "from pybricks.messaging import BLERadio\nfrom pybricks.tools import wait\n"
        "radio = BLERadio(observe_channels=[5])\nheard = []\nfor i in range(20):\n"
        "    heard.append(radio.observe(5))\n    wait(100)\nprint(heard)\n"
        "print(radio.signal_strength(5) > -90)\n")
    r = simulate([sender, listener], world="sumo", duration=10)
    assert r.status == "finished", r.error
    lines = r.robots[1].output.splitlines()
    heard = eval(lines[0])  # noqa: S307 - the program's own printed list
    assert heard[0] is None  # nothing yet at the start
    later = [h for h in heard if h is not None]
    assert later == sorted(later) and len(set(later)) >= 15  # the counter, in order
    assert all(isinstance(h, float) for h in later)
    assert lines[1] == "True"


def test_a_robot_whose_program_ended_leaves_the_air() -> None:
    a, b = ev3("a", 0), ev3("b", 300)
    air = on_one_air(a, b)
    air.broadcast(0, 1, b"\x00\x61\x01", 0)  # a is broadcasting 1 on channel 1
    air.mailbox_listen(0, 0)
    until(a, 30_000)
    until(b, 30_000)
    air.mailbox_connect(1, "a", b.now)
    until(a, 500_000)
    until(b, 500_000)
    assert air.observe(1, 1, b.now) is not None and air.mailbox_peers(1, b.now) == ("a",)
    air.leave(0, a.now)
    until(a, 3_000_000)
    until(b, 500_000 + MAILBOX_DELAY_US)
    assert air.mailbox_peers(1, b.now) == ()  # the connection closed with the program
    assert air.observe(1, 1, b.now) is not None  # heard before: kept for a second
    until(b, 500_000 + DELIVERY_DELAY_US + OBSERVED_TIMEOUT_US + 1000)
    assert air.observe(1, 1, b.now) is None  # nothing since: its broadcast stopped


def test_a_broadcast_stops_when_its_program_ends(tmp_path: Path) -> None:
    from robokit.sim import simulate

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sender = tmp_path / "a" / "main.py"
    sender.write_text("from pybricks.hubs import PrimeHub\nfrom pybricks.tools import wait\n"
                      "PrimeHub(broadcast_channel=1).ble.broadcast('bye')\nwait(50)\n")
    listener = tmp_path / "b" / "main.py"
    listener.write_text(
        "from pybricks.hubs import PrimeHub\nfrom pybricks.tools import wait\n"
        "hub = PrimeHub(observe_channels=[1])\nwait(500)\nprint(hub.ble.observe(1))\n"
        "wait(1500)\nprint(hub.ble.observe(1))\n")
    r = simulate([sender, listener], duration=10)
    assert r.status == "finished", r.error
    # Heard once (the advertising event as broadcasting began; the next would come
    # 100 ms later, after the program ended), then nothing: the broadcast stopped.
    assert r.robots[1].output == "bye\nNone\n"
