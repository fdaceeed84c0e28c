"""The uploader: moves spooled objects to the lake's landing zone in the background.

A dispatcher thread hands the oldest waiting objects to a small pool of upload threads, so a
slow or unreachable store never blocks sampling (the agent only calls `submit`, which returns at
once). Failures back off exponentially with jitter (5 s → 15 s → 1 min → 5 min → 15 min by
default), for the whole store while it is unreachable and per object while only that object
fails; an object that keeps failing while others succeed is set aside (kept, not deleted) until
`retry_aside()`. Uploads are idempotent: an object's path is fixed by its id, so sending it again
after a crash rewrites the same bytes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from fsspec.exceptions import FSTimeoutError

from collector.config import DEFAULT_BACKOFF_SECONDS
from collector.errors import SpoolCorruptError, UploadError
from collector.spool import Spool, SpoolEntry
from lakehouse.storage import Store

logger = logging.getLogger(__name__)


class Destination(Protocol):
    """Where objects go: `lakehouse.storage.Store` (a local folder or S3)."""

    def put_bytes(self, rel_path: str, data: bytes) -> None:
        """Write one whole object at a path relative to the lake root."""


class LakeDestination:
    """A `lakehouse.storage.Store` with a hard time limit on every upload.

    botocore sends `Expect: 100-continue` on PUT, and aiohttp waits for that answer with no
    timeout of its own: a server that accepts the connection but never answers would hold an
    upload thread forever. fsspec's `timeout=` cancels the request instead.
    """

    def __init__(self, store: Store, timeout_seconds: float) -> None:
        self.store = store
        self.timeout_seconds = timeout_seconds

    def put_bytes(self, rel_path: str, data: bytes) -> None:
        if self.store.is_local:
            self.store.put_bytes(rel_path, data)
            return
        try:
            self.store.fs.pipe_file(
                self.store.full_path(rel_path), data, timeout=self.timeout_seconds
            )
        except FSTimeoutError as e:
            raise UploadError(
                f"upload to {self.store.url} timed out after {self.timeout_seconds:.0f} s; "
                "it stays spooled and is retried."
            ) from e


@dataclass(frozen=True)
class Backoff:
    """Delays after the 1st, 2nd, … consecutive failure (the last one repeats), with jitter."""

    delays_seconds: tuple[float, ...] = DEFAULT_BACKOFF_SECONDS
    jitter: float = 0.2  # ± this fraction, so many collectors don't retry in step
    rng: random.Random = field(default_factory=random.Random)

    def delay_seconds(self, failures: int) -> float:
        """Return how long to wait after `failures` consecutive failures (≥ 1)."""
        base = self.delays_seconds[min(max(failures, 1), len(self.delays_seconds)) - 1]
        return base * (1 + self.rng.uniform(-self.jitter, self.jitter))


@dataclass
class _Attempts:
    failures: int
    first_failed_at: float
    next_try_at: float


@dataclass(frozen=True)
class UploadStats:
    """What the uploader did since it started."""

    uploaded: int
    failed_attempts: int
    set_aside: int
    waiting: int
    last_error: str | None
    storage_reachable: bool | None  # None until the first attempt


class Uploader:
    """Background upload of spooled objects with bounded parallelism and backoff."""

    def __init__(
        self,
        spool: Spool,
        destination: Destination,
        *,
        workers: int = 2,
        backoff: Backoff | None = None,
        max_failures: int = 8,
        rescan_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spool = spool
        self.destination = destination
        self.workers = workers
        self.backoff = backoff or Backoff()
        self.max_failures = max_failures
        self.rescan_seconds = rescan_seconds
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._queue: dict[str, SpoolEntry] = {}
        self._in_flight: set[str] = set()
        self._attempts: dict[str, _Attempts] = {}
        self._hold_until = 0.0
        self._streak = 0  # consecutive failures of any object: the store looks unreachable
        self._last_success_at = -1.0
        self._rescan_at = 0.0
        self._stopping = False
        self._counts = {"uploaded": 0, "failed": 0, "aside": 0}
        self._last_error: str | None = None
        self._reachable: bool | None = None
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="collector-upload")
        self._dispatcher = threading.Thread(
            target=self._dispatch, name="collector-uploader", daemon=True
        )

    # -- control -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start uploading (everything already in the spool is picked up first)."""
        self._dispatcher.start()

    def stop(self, timeout_seconds: float = 10.0) -> None:
        """Stop after the uploads in flight; what is left stays spooled for the next run."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._dispatcher.is_alive():
            self._dispatcher.join(timeout_seconds)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, entry: SpoolEntry) -> None:
        """Queue a freshly spooled object (returns at once)."""
        with self._cond:
            self._queue[entry.file.name] = entry
            self._cond.notify_all()

    def retry_aside(self) -> int:
        """Put objects that were set aside back in line; returns how many."""
        count = self.spool.restore_aside()
        with self._cond:
            self._rescan_at = 0.0
            self._hold_until = 0.0
            self._cond.notify_all()
        return count

    def drain(self, timeout_seconds: float) -> bool:
        """Wait until nothing is waiting or in flight; False on timeout."""
        deadline = time.monotonic() + timeout_seconds
        with self._cond:
            self._rescan_at = 0.0
            self._cond.notify_all()
            while self._queue or self._in_flight or self._rescan_at == 0.0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def stats(self) -> UploadStats:
        """Return counts for status displays and the agent's log."""
        with self._cond:
            return UploadStats(
                uploaded=self._counts["uploaded"],
                failed_attempts=self._counts["failed"],
                set_aside=self._counts["aside"],
                waiting=len(self._queue),
                last_error=self._last_error,
                storage_reachable=self._reachable,
            )

    # -- dispatcher ----------------------------------------------------------------------------

    def _dispatch(self) -> None:
        with self._cond:
            while not self._stopping:
                now = self._monotonic()
                if now >= self._rescan_at:
                    self._rescan(now)
                wake_at = self._rescan_at
                if now >= self._hold_until:
                    wake_at = min(wake_at, self._start_ready(now))
                else:
                    wake_at = min(wake_at, self._hold_until)
                self._cond.wait(max(0.01, wake_at - self._monotonic()))

    def _rescan(self, now: float) -> None:
        # The spool on disk is the truth: after a restart, a restore or an eviction.
        entries = self.spool.pending()
        self._queue = {e.file.name: e for e in entries}
        self._rescan_at = now + self.rescan_seconds
        self._cond.notify_all()

    def _start_ready(self, now: float) -> float:
        """Start uploads of ready objects, oldest first; return when to look again."""
        wake_at = float("inf")
        for name, entry in self._queue.items():
            if len(self._in_flight) >= self.workers:
                break
            attempts = self._attempts.get(name)
            if name in self._in_flight:
                continue
            if attempts is not None and attempts.next_try_at > now:
                wake_at = min(wake_at, attempts.next_try_at)
                continue
            try:
                self._pool.submit(self._upload, entry)
            except RuntimeError:  # the interpreter is exiting: what is left stays spooled
                self._stopping = True
                break
            self._in_flight.add(name)
        return wake_at

    # -- upload threads ------------------------------------------------------------------------

    def _upload(self, entry: SpoolEntry) -> None:
        try:
            rel_path, payload = self.spool.read(entry)
            self.destination.put_bytes(rel_path, payload)
        except (FileNotFoundError, SpoolCorruptError):
            # Dropped for the disk budget meanwhile, or damaged and quarantined: nothing to send.
            self._finish(entry, None)
        except Exception as e:  # the store's library errors vary (OSError, botocore, aiohttp)
            self._finish(entry, e)
        else:
            self.spool.remove(entry)
            self._finish(entry, None, uploaded=True)

    def _finish(self, entry: SpoolEntry, error: Exception | None, uploaded: bool = False) -> None:
        name = entry.file.name
        with self._cond:
            self._in_flight.discard(name)
            now = self._monotonic()
            if error is None:
                self._queue.pop(name, None)
                self._on_success(name, now, uploaded)
            else:
                self._on_failure(entry, error, now)
            self._cond.notify_all()

    def _on_success(self, name: str, now: float, uploaded: bool) -> None:
        self._attempts.pop(name, None)
        if not uploaded:
            return
        self._counts["uploaded"] += 1
        self._last_success_at = now
        self._reachable = True
        if self._streak:
            logger.info("lake reachable again after %d failed uploads", self._streak)
            self._streak = 0
            # Objects that failed while the store was down deserve a try now that it is back.
            for attempts in self._attempts.values():
                attempts.next_try_at = now

    def _on_failure(self, entry: SpoolEntry, error: Exception, now: float) -> None:
        name = entry.file.name
        self._counts["failed"] += 1
        self._streak += 1
        self._reachable = False
        self._last_error = f"{type(error).__name__}: {error}"
        attempts = self._attempts.setdefault(name, _Attempts(0, now, now))
        attempts.failures += 1
        attempts.next_try_at = now + self.backoff.delay_seconds(attempts.failures)
        self._hold_until = max(self._hold_until, now + self.backoff.delay_seconds(self._streak))
        logger.warning(
            "upload of %s failed (%s); retrying in %.1f s",
            entry.object_id,
            type(error).__name__,
            self._hold_until - now,
        )
        # Failing alone while other objects got through: this object is the problem.
        alone = self._last_success_at > attempts.first_failed_at
        if attempts.failures >= self.max_failures and alone:
            self.spool.set_aside(entry)
            self._queue.pop(name, None)
            self._attempts.pop(name, None)
            self._counts["aside"] += 1
