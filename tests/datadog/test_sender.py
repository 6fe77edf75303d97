"""The embedded store's counters sent to Datadog: to a real UDP listener (DogStatsD) and to
the fake v2 series API. The counts received add up exactly to what was recorded, and a
failed send loses nothing."""

from __future__ import annotations

import random
import socket
from collections import Counter

import pytest
from fake_datadog import FakeDatadog

from nexus_sre.config.model import DatadogSettings
from nexus_sre.datadog.sender import CounterSender
from nexus_sre.datadog.settings import connect
from nexus_sre.datadog.transports import DogStatsD, SeriesApi
from nexus_sre.embedded import EmbeddedStore

NOW = 1_780_000_000.0


def _store() -> EmbeddedStore:
    store = EmbeddedStore(clock="manual", now=NOW)
    store.add_slo("Checkout", "availability", target=99.9, window_seconds=86400)
    store.add_slo(
        "Checkout", "latency", target=99.0, window_seconds=86400, threshold_ms=300.0, sli="latency"
    )
    return store


def _record(store: EmbeddedStore, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    rec = store.recorder("Checkout")
    for _ in range(n):
        rec.record(rnd.random() > 0.03, rnd.uniform(1, 600))


def _expected(store: EmbeddedStore) -> Counter:

    out: Counter = Counter()
    for e in store.entries():
        good, total = e.counter.cumulative()
        tags = ("service:checkout", f"slo:{e.slo}")
        out["nexus_sre.requests", tags] += total
        out["nexus_sre.requests.good", tags] += good
    return out


class Listener:
    """A real UDP socket: what a local Datadog agent's DogStatsD port would receive."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)
        self.port = self.sock.getsockname()[1]
        self.received: Counter = Counter()
        self.datagrams = 0

    def drain(self) -> None:
        self.sock.settimeout(0.3)
        while True:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return
            self.datagrams += 1
            for line in data.decode().split("\n"):
                name_value, kind, tags = line.split("|")
                name, value = name_value.split(":")
                assert kind == "c" and tags.startswith("#")
                self.received[name, tuple(sorted(tags[1:].split(",")))] += int(value)


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.sock.close()


def test_dogstatsd_counts_add_up_exactly(listener) -> None:
    store = _store()
    sender = CounterSender(store, DogStatsD("127.0.0.1", listener.port))
    for round_ in range(4):
        _record(store, 500 + 37 * round_, seed=round_)
        assert sender.send()
    assert sender.close()
    listener.drain()
    assert listener.received == _expected(store)
    assert sum(
        v for (name, _), v in listener.received.items() if name == "nexus_sre.requests"
    ) == 2 * (4 * 500 + 37 * 6)


def test_a_failed_udp_send_is_retried_with_the_next(listener) -> None:
    store = _store()
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(("127.0.0.1", 0))
    closed_port = dead.getsockname()[1]
    dead.close()  # nobody listens there now: the kernel answers "port unreachable"
    transport = DogStatsD("127.0.0.1", closed_port)
    sender = CounterSender(store, transport)
    _record(store, 300, seed=1)
    assert not sender.send()  # refused: nothing acknowledged
    _record(store, 200, seed=2)
    assert not sender.send()
    assert sender.failures == 2 and sender.acked == {}
    transport.port = listener.port  # the agent is back
    _record(store, 100, seed=3)
    assert sender.send()
    listener.drain()
    assert listener.received == _expected(store)


def test_series_api_counts_add_up_and_survive_failures(fake: FakeDatadog) -> None:
    store = _store()
    conn = connect(DatadogSettings(url=fake.url))
    sender = CounterSender(store, SeriesApi(conn, retries=0))
    _record(store, 400, seed=5)
    assert sender.send()
    _record(store, 250, seed=6)
    fake.fail_next(500, path_prefix="/api/v2/series")
    assert not sender.send()  # kept
    _record(store, 120, seed=7)
    assert sender.close()  # the final send carries both batches
    got = {(m, tags): v for (m, tags), v in fake.submitted_counts().items()}
    assert got == {(m, tuple(sorted(tags))): v for (m, tags), v in _expected(store).items()}
    assert all(s["type"] == 1 and s["interval"] >= 1 for s in fake.submitted)
    assert fake.rejected == []


def test_series_api_needs_only_the_api_key(fake: FakeDatadog, monkeypatch) -> None:
    monkeypatch.delenv("DD_APP_KEY")
    conn = connect(DatadogSettings(url=fake.url), need_app_key=False)
    store = _store()
    _record(store, 10, seed=1)
    with CounterSender(store, SeriesApi(conn)) as sender:
        assert sender.send()
    assert fake.submitted


def test_nothing_new_sends_nothing(listener) -> None:
    store = _store()
    sender = CounterSender(store, DogStatsD("127.0.0.1", listener.port))
    assert sender.send() and sender.send()
    listener.drain()
    assert listener.datagrams == 0


def test_long_batches_are_split_into_packet_sized_datagrams() -> None:
    from nexus_sre.datadog.transports import MAX_DATAGRAM, Count

    counts = [Count("nexus_sre.requests", 7, (f"service:s{i}", f"slo:slo-{i}")) for i in range(200)]
    grams = DogStatsD().datagrams(counts)
    assert len(grams) > 1 and all(len(g) <= MAX_DATAGRAM for g in grams)
    assert sum(g.count(b"\n") + 1 for g in grams) == 200
