"""The lake's lease: one curated-rewriting job at a time, on a local folder and on S3."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from lakehouse.erasure import erase_user
from lakehouse.errors import LeaseHeldError
from lakehouse.keys import FileKeyStore
from lakehouse.lease import LEASE_PATH, acquire, lake_lease, read_lease, release, renew
from lakehouse.retention import purge
from lakehouse.storage import Store


def test_create_bytes_writes_only_when_nothing_is_there(lake_store: Store) -> None:
    assert lake_store.create_bytes("a/one", b"first")
    assert not lake_store.create_bytes("a/one", b"second")
    assert lake_store.get_bytes("a/one") == b"first"


def test_a_held_lease_stops_a_second_job_and_says_who_holds_it(lake_store: Store) -> None:
    with lake_lease(lake_store, "compaction") as lease:
        assert read_lease(lake_store) == lease
        with pytest.raises(LeaseHeldError, match=r"compaction on .* \(pid \d+\) until"):
            acquire(lake_store, "erasure")
    assert read_lease(lake_store) is None
    with lake_lease(lake_store, "erasure") as again:
        assert again.job == "erasure"


def test_an_expired_lease_is_taken_over_and_its_owner_cannot_renew_it(lake_store: Store) -> None:
    crashed = acquire(lake_store, "compaction", ttl=dt.timedelta(seconds=-1))
    taker = acquire(lake_store, "compaction")
    assert read_lease(lake_store) == taker
    with pytest.raises(LeaseHeldError, match="lost the lake's lease"):
        renew(lake_store, crashed)
    release(lake_store, crashed)  # not its lease any more: nothing happens
    assert read_lease(lake_store) == taker
    assert renew(lake_store, taker).expires_at > taker.expires_at


def test_an_unreadable_lease_object_does_not_block_the_lake(lake_store: Store) -> None:
    lake_store.put_bytes(LEASE_PATH, b"\x00not json")
    with lake_lease(lake_store, "compaction") as lease:
        assert read_lease(lake_store) == lease


def test_of_many_jobs_starting_together_exactly_one_gets_the_lease(lake_store: Store) -> None:
    won: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(8)

    def job(name: str) -> None:
        start.wait()
        try:
            acquire(lake_store, name)
            won.append(name)
        except LeaseHeldError:
            refused.append(name)

    threads = [threading.Thread(target=job, args=(f"job-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(refused) == 7
    held = read_lease(lake_store)
    assert held is not None
    assert held.job == won[0]


def test_a_long_job_keeps_renewing_its_lease(lake_store: Store) -> None:
    with lake_lease(lake_store, "compaction", ttl=dt.timedelta(seconds=0.6)) as lease:
        renewed = threading.Event()
        for _ in range(50):
            held = read_lease(lake_store)
            if held is not None and held.expires_at != lease.expires_at:
                renewed.set()
                break
            threading.Event().wait(0.1)
        assert renewed.is_set()
        assert held is not None
        assert held.owner == lease.owner


def test_a_job_can_wait_for_the_holder_to_finish(lake_store: Store) -> None:
    first = acquire(lake_store, "compaction")
    threading.Timer(0.5, release, args=(lake_store, first)).start()
    second = acquire(lake_store, "erasure", wait_seconds=30)
    assert read_lease(lake_store) == second


def test_erasure_and_purge_do_not_run_beside_a_compaction(
    lake_store: Store, key_store: FileKeyStore
) -> None:
    compaction = acquire(lake_store, "compaction")
    with pytest.raises(LeaseHeldError, match="compaction on"):
        erase_user(lake_store, key_store, "acme", "u-1", wait_seconds=0)
    with pytest.raises(LeaseHeldError, match="compaction on"):
        purge(lake_store, wait_seconds=0)
    release(lake_store, compaction)
    assert erase_user(lake_store, key_store, "acme", "u-1", wait_seconds=0).user_id == "u-1"
    assert read_lease(lake_store) is None
