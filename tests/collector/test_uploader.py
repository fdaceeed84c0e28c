"""The uploader moves every spooled object to the lake exactly once, whatever the store does."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from pathlib import Path

import pytest

from collector.spool import Spool
from collector.uploader import Backoff, Uploader
from lakehouse.storage import Store, open_store

ACTIVITY = "landing/activity/company=acme/user=alice/date=2026-11-26/{}.parquet"
IMAGE = "landing/images/company=acme/user=alice/date=2026-11-26/{}.jpeg.sealed"
FAST = Backoff((0.02, 0.05, 0.1), jitter=0.2, rng=random.Random(1))


class FlakyStore:
    """The real store behind a switch that injects failures (the uploader's Destination seam)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.down = threading.Event()
        self.refuse: set[str] = set()  # paths the store rejects while it is otherwise up
        self.hold = threading.Event()
        self.hold.set()
        self.written: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def put_bytes(self, rel_path: str, data: bytes) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.hold.wait()
            if self.down.is_set():
                raise ConnectionError("store unreachable (injected)")
            if rel_path in self.refuse:
                raise PermissionError("access denied (injected)")
            self.store.put_bytes(rel_path, data)
            with self._lock:
                self.written[rel_path] += 1
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def lake(tmp_path: Path) -> Store:
    return open_store((tmp_path / "lake").as_uri())


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool", budget_bytes=50 * 1024 * 1024)


def _fill(spool: Spool, count: int) -> dict[str, bytes]:
    objects = {ACTIVITY.format(f"b{n}"): os.urandom(64) for n in range(count)}
    for path, data in objects.items():
        spool.put(path, data)
    return objects


def test_everything_spooled_arrives_in_the_lake_and_leaves_the_spool(
    spool: Spool, lake: Store
) -> None:
    objects = _fill(spool, 5)
    uploader = Uploader(spool, lake, backoff=FAST)
    uploader.start()
    try:
        entry = spool.put(IMAGE.format("c1"), b"sealed")
        assert entry is not None
        uploader.submit(entry)
        objects[IMAGE.format("c1")] = b"sealed"
        assert uploader.drain(30)
    finally:
        uploader.stop()
    assert {p: lake.get_bytes(p) for p in lake.find("landing")} == objects
    assert spool.pending() == []
    assert uploader.stats().uploaded == 6


def test_a_long_outage_then_recovery_delivers_everything_exactly_once(
    spool: Spool, lake: Store
) -> None:
    store = FlakyStore(lake)
    store.down.set()
    uploader = Uploader(spool, store, workers=3, backoff=FAST)
    uploader.start()
    try:
        objects = _fill(spool, 20)
        for entry in spool.pending():
            uploader.submit(entry)
        assert not uploader.drain(0.5)  # nothing gets through while the store is down
        assert uploader.stats().storage_reachable is False
        assert spool.stats().pending_count == 20
        store.down.clear()
        assert uploader.drain(30)
    finally:
        uploader.stop()
    assert set(lake.find("landing")) == set(objects)
    assert all(count == 1 for count in store.written.values())
    assert uploader.stats().set_aside == 0  # an outage never sets objects aside
    assert store.max_in_flight <= 3


def test_an_object_that_keeps_failing_is_set_aside_and_retried_on_request(
    spool: Spool, lake: Store
) -> None:
    store = FlakyStore(lake)
    objects = _fill(spool, 4)
    bad = ACTIVITY.format("b2")
    store.refuse.add(bad)
    uploader = Uploader(spool, store, backoff=FAST, max_failures=3)
    uploader.start()
    try:
        assert uploader.drain(30)
        assert set(lake.find("landing")) == set(objects) - {bad}
        assert spool.stats().aside_count == 1  # kept on disk, not deleted
        store.refuse.clear()
        assert uploader.retry_aside() == 1
        assert uploader.drain(30)
    finally:
        uploader.stop()
    assert set(lake.find("landing")) == set(objects)
    assert spool.stats().aside_count == 0


def test_submitting_never_waits_for_a_stuck_store(spool: Spool, lake: Store) -> None:
    store = FlakyStore(lake)
    store.hold.clear()  # every upload hangs
    uploader = Uploader(spool, store, workers=2, backoff=FAST)
    uploader.start()
    try:
        for n in range(10):
            entry = spool.put(ACTIVITY.format(f"b{n}"), b"x")
            assert entry is not None
            uploader.submit(entry)  # returns although both upload threads are stuck
        assert not store.hold.is_set()
        assert spool.stats().pending_count == 10
        store.hold.set()
        assert uploader.drain(30)
    finally:
        uploader.stop()
    assert len(lake.find("landing")) == 10
    assert store.max_in_flight <= 2


def test_sending_an_object_again_is_harmless(spool: Spool, lake: Store) -> None:
    objects = _fill(spool, 2)
    first = {e.object_id: spool.read(e) for e in spool.pending()}
    uploader = Uploader(spool, lake, backoff=FAST)
    uploader.start()
    assert uploader.drain(30)
    # A crash before the spool forgot an object means it is spooled and sent once more.
    for path, data in first.values():
        spool.put(path, data)
    assert uploader.drain(30)
    uploader.stop()
    assert {p: lake.get_bytes(p) for p in lake.find("landing")} == objects


def test_backoff_follows_the_schedule_with_bounded_jitter() -> None:
    backoff = Backoff((5.0, 15.0, 60.0, 300.0, 900.0), jitter=0.2, rng=random.Random(7))
    for failures, base in [(1, 5.0), (2, 15.0), (3, 60.0), (4, 300.0), (5, 900.0), (9, 900.0)]:
        delays = [backoff.delay_seconds(failures) for _ in range(50)]
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays)
        assert len(set(delays)) > 1  # collectors don't retry in step
