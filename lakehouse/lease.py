"""The lake's lease: compaction, retention and erasure rewrite curated parts, so one at a time.

Two such jobs at once could both write the same landing rows into a partition (counted twice
until the next merge) or merge parts the other is erasing from. Each job holds the lease, one
small object created only if absent (atomic on a local folder and on S3)::

    _leases/curated.json   {"owner", "host", "pid", "job", "expires_at"}

A lease expires (a crashed job cannot block the lake for ever); a long job renews it while it
runs. A job that finds the lease held by a live owner stops with `LeaseHeldError`, saying who
holds it and until when.

Example::

    with lake_lease(store, "compaction"):
        ...  # rewrite curated parts
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Final

from lakehouse.errors import LeaseHeldError, ObjectNotFoundError
from lakehouse.storage import Store

log = logging.getLogger(__name__)

LEASE_PATH: Final = "_leases/curated.json"
DEFAULT_TTL: Final = dt.timedelta(minutes=2)  # what a killed job costs the next one, at most
LEASE_WAIT_SECONDS: Final = 600.0  # how long erasure and purge wait for a running compaction


@dataclass(frozen=True)
class Lease:
    owner: str
    host: str
    pid: int
    job: str
    expires_at: str  # ISO 8601, UTC

    def expired(self, now: dt.datetime) -> bool:
        return dt.datetime.fromisoformat(self.expires_at) <= now

    def describe(self) -> str:
        return f"{self.job} on {self.host} (pid {self.pid}) until {self.expires_at}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _encode(lease: Lease) -> bytes:
    return json.dumps(asdict(lease)).encode()


def read_lease(store: Store) -> Lease | None:
    """Return the lease object's content (maybe expired); None when there is none."""
    try:
        raw = store.get_bytes(LEASE_PATH)
    except ObjectNotFoundError:
        return None
    try:
        return Lease(**json.loads(raw))
    except (ValueError, TypeError):
        log.warning("the lake's lease object %s is unreadable; treating it as expired", LEASE_PATH)
        return Lease("", "?", 0, "?", _now().isoformat())


def acquire(
    store: Store, job: str, ttl: dt.timedelta = DEFAULT_TTL, wait_seconds: float = 0.0
) -> Lease:
    """Take the lease for `job`, waiting up to `wait_seconds` for a holder to finish."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return _try_acquire(store, job, ttl)
        except LeaseHeldError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(min(2.0, max(0.05, deadline - time.monotonic())))


def _try_acquire(store: Store, job: str, ttl: dt.timedelta) -> Lease:
    """Take the lease, replacing an expired one; raise `LeaseHeldError` if it is held."""
    mine = Lease(uuid.uuid4().hex, socket.gethostname(), os.getpid(), job, "")
    for _ in range(2):
        lease = replace(mine, expires_at=(_now() + ttl).isoformat())
        if store.create_bytes(LEASE_PATH, _encode(lease)):
            return lease
        held = read_lease(store)
        if held is not None and not held.expired(_now()):
            raise LeaseHeldError(
                f"another job holds this lake's lease: {held.describe()}. It rewrites curated "
                f"data, which only one job may do at a time; run this again when it is done "
                f"(a crashed job's lease expires by itself)."
            )
        if held is not None:
            log.warning("taking over the expired lease of %s", held.describe())
            store.delete([LEASE_PATH])
    raise LeaseHeldError("another job took this lake's lease at the same moment; run this again.")


def release(store: Store, lease: Lease) -> None:
    """Give the lease back, if it is still ours."""
    held = read_lease(store)
    if held is not None and held.owner == lease.owner:
        store.delete([LEASE_PATH])


def renew(store: Store, lease: Lease, ttl: dt.timedelta = DEFAULT_TTL) -> Lease:
    """Push the expiry back; raise `LeaseHeldError` if the lease is no longer ours."""
    held = read_lease(store)
    if held is None or held.owner != lease.owner:
        raise LeaseHeldError(
            f"this {lease.job} lost the lake's lease (it expired and was taken over); "
            "stop and run it again."
        )
    renewed = replace(lease, expires_at=(_now() + ttl).isoformat())
    store.put_bytes(LEASE_PATH, _encode(renewed))
    return renewed


@contextlib.contextmanager
def lake_lease(
    store: Store, job: str, ttl: dt.timedelta = DEFAULT_TTL, wait_seconds: float = 0.0
) -> Iterator[Lease]:
    """Hold the lease while the block runs, renewing it every third of its time to live."""
    lease = acquire(store, job, ttl, wait_seconds)
    stop = threading.Event()
    current = [lease]

    def keep_alive() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                current[0] = renew(store, current[0], ttl)
            except Exception:  # reported; the job's own writes go on
                log.exception("could not renew the lake's lease for %s", job)

    renewer = threading.Thread(target=keep_alive, name=f"lease-{job}", daemon=True)
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        release(store, current[0])
