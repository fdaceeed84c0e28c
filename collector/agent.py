"""The agent's loop: sensing → privacy → batching → spool → uploader, on a schedule.

Every `sample_interval_seconds` the source is asked what happened (privacy rules are applied by
the sensing side before anything reaches us); rows are journaled and batched, screenshots sealed
and spooled, and due batches handed to the batch queue, whose child process encrypts them off
this thread; what lands in the spool goes to the uploader, which works in its own threads.

Errors that skip a tick (`TickSkipped`, or any unexpected error while *sensing*) cost one sample
and are counted; errors that would lose or leak data (`CollectorStopped`, e.g. an unusable spool)
stop the loop and reach the caller. The clock is injectable, so tests run hours in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from collector.batching import Batcher, new_id
from collector.config import CollectorSettings
from collector.errors import ConfigError, TickSkipped
from collector.footprint import release_memory
from collector.identity import load_device_id
from collector.journal import Journal
from collector.source import Observed, Source
from collector.spool import Spool, SpoolEntry, SpoolStats
from collector.uploader import Backoff, Destination, LakeDestination, Uploader, UploadStats
from lakehouse.errors import KeyStoreError, LayoutError, SchemaError
from lakehouse.keys import CompanyPublicKey
from lakehouse.storage import open_store

logger = logging.getLogger(__name__)

RowListener = Callable[[str, Mapping[str, Any]], None]


class Clock(Protocol):
    """Time as the agent sees it."""

    def now(self) -> dt.datetime:
        """Return the current time (tz-aware UTC)."""

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait up to `seconds`; return True as soon as `stop` is set."""


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds))


@dataclass(frozen=True)
class AgentStatus:
    """What the agent did since it started, and where its data is."""

    ticks: int
    skipped_ticks: int
    rows_batched: int
    rows_refused: int
    paused: bool
    spool: SpoolStats
    uploads: UploadStats


class Agent:
    """Runs the pipeline for one work session."""

    def __init__(
        self,
        source: Source,
        batcher: Batcher,
        uploader: Uploader,
        ids: Mapping[str, str],
        *,
        clock: Clock | None = None,
        sample_interval_seconds: float = 10.0,
    ) -> None:
        self.source = source
        self.batcher = batcher
        self.uploader = uploader
        self.ids = dict(ids)  # company_id, user_id, device_id, session_id
        self.clock = clock or SystemClock()
        self.sample_interval_seconds = sample_interval_seconds
        self.listeners: list[RowListener] = []
        self._counts = {"ticks": 0, "skipped": 0, "rows": 0, "refused": 0}
        self._paused = False
        self._lock = threading.RLock()
        batcher.on_spooled = self._spool

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Recover what an earlier run left, start uploading, and open the session."""
        recovered = self.batcher.recover()
        if recovered:
            logger.info("recovered %d objects from an interrupted run", len(recovered))
        self.uploader.start()
        self.session_event("start")

    def run(self, stop: threading.Event) -> None:
        """Tick on schedule until `stop` is set (raises `CollectorStopped` when it must stop)."""
        next_at = self.clock.now()
        while not stop.is_set():
            self.tick()
            next_at += dt.timedelta(seconds=self.sample_interval_seconds)
            now = self.clock.now()
            wait_seconds = (next_at - now).total_seconds()
            if not 0 <= wait_seconds <= self.sample_interval_seconds:
                # The machine slept, a tick overran or the clock was set back: carry on from now
                # rather than catching up in a burst or waiting for hours.
                next_at, wait_seconds = now, 0.0
            if self.clock.wait(wait_seconds, stop):
                break

    def close(self, drain_seconds: float = 5.0, *, end_kind: str = "end") -> None:
        """End the session: hand over held rows, spool the batch, try to upload, stop.

        `end_kind` is "force_end" when an admin ended the session, so the lake tells them apart.
        """
        try:
            with self._lock:
                now = self.clock.now()
                if not self._paused:
                    self._take(self._sense(self.source.flush, now), now)
                self.session_event(end_kind)
                self.batcher.flush()
            if not self.batcher.finish():
                logger.warning("a batch is still being written; its journal stays for next time")
            self.uploader.drain(drain_seconds)
        finally:
            # Whatever failed, what was journaled or spooled stays on disk for the next run.
            self.batcher.close()
            self.uploader.stop()
            self.source.close()

    # -- one step ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Sense once, batch what came, spool the batch when due."""
        with self._lock:
            now = self.clock.now()
            self._counts["ticks"] += 1
            freed = self.batcher.due(now)
            if freed:  # before sensing, so a batch spans exactly its interval
                self.batcher.flush()
            if not self._paused:
                observed = self._sense(self.source.tick, now)
                self._take(observed, now)
                freed = freed or bool(observed.shots)
        if freed:  # a finished batch's rows or a screenshot's buffers were just let go
            release_memory()

    def pause(self) -> None:
        """Stop sensing (nothing is recorded) until `resume()`; the batch so far is spooled."""
        with self._lock:
            if self._paused:
                return
            now = self.clock.now()
            self._take(self._sense(self.source.flush, now), now)
            self.session_event("pause")
            self.batcher.flush()
            self._paused = True

    def resume(self) -> None:
        """Sense again after `pause()`."""
        with self._lock:
            if self._paused:
                self._paused = False
                self.session_event("resume")

    def session_event(self, kind: str) -> None:
        """Record a session event (start, pause, resume, end, …) in the `sessions` table."""
        with self._lock:
            now = self.clock.now()
            row = {"event_id": new_id(), **self.ids, "ts": now, "kind": kind}
            self._take(Observed(rows=[("sessions", row)]), now)

    def status(self) -> AgentStatus:
        """Return counts and the spool's and uploader's state."""
        return AgentStatus(
            ticks=self._counts["ticks"],
            skipped_ticks=self._counts["skipped"],
            rows_batched=self._counts["rows"],
            rows_refused=self._counts["refused"],
            paused=self._paused,
            spool=self.batcher.spool.stats(),
            uploads=self.uploader.stats(),
        )

    # -- internals -----------------------------------------------------------------------------

    def _sense(self, read: Callable[[dt.datetime], Observed], now: dt.datetime) -> Observed:
        try:
            return read(now)
        except TickSkipped as e:
            logger.info("tick skipped: %s", e)
        except Exception:  # a sensing bug must cost a sample, not the employee's whole day
            logger.exception("tick skipped: sensing failed unexpectedly")
        self._counts["skipped"] += 1
        return Observed()

    def _take(self, observed: Observed, now: dt.datetime) -> None:
        for shot in observed.shots:
            try:
                entry = self.batcher.spool_image(shot.object_path, shot.image)
            except (ConfigError, LayoutError) as e:  # a sensing bug: lose the image, not the day
                self._counts["refused"] += 1
                logger.error("a screenshot was refused and not recorded: %s", e)
                continue
            if entry is not None:
                self.uploader.submit(entry)
        for table, row in observed.rows:
            try:
                self.batcher.add(table, row, now)
            except SchemaError as e:
                self._counts["refused"] += 1
                logger.error("a %s row was refused and not recorded: %s", table, e)
                continue
            self._counts["rows"] += 1
            for listener in self.listeners:
                listener(table, row)

    def _spool(self, entries: list[SpoolEntry]) -> None:
        for entry in entries:
            self.uploader.submit(entry)


SourceFactory = Callable[[Mapping[str, str], Batcher], Source]


def assemble(
    settings: CollectorSettings,
    make_source: SourceFactory,
    *,
    clock: Clock | None = None,
    destination: Destination | None = None,
) -> Agent:
    """Build the whole pipeline from settings; `make_source` gets the ids and the batcher."""
    public_key = parse_public_key(settings.public_key)
    folder = settings.spool_dir
    spool = Spool(folder / "spool", settings.spool_budget_bytes)
    batcher = Batcher(
        spool,
        Journal(folder / "spool" / "journal"),
        public_key,
        settings.company_id,
        settings.user_id,
        interval_seconds=settings.batch_interval_seconds,
        max_rows=settings.batch_max_rows,
    )
    if destination is None:
        store = open_store(settings.lake_url, **settings.storage_options())
        destination = LakeDestination(store, settings.upload_timeout_seconds)
    uploader = Uploader(
        spool,
        destination,
        workers=settings.upload_workers,
        backoff=Backoff(settings.backoff_seconds, settings.backoff_jitter),
        max_failures=settings.upload_max_failures,
        rescan_seconds=settings.rescan_seconds,
    )
    ids = session_ids(settings)
    return Agent(
        make_source(ids, batcher),
        batcher,
        uploader,
        ids,
        clock=clock,
        sample_interval_seconds=settings.sample_interval_seconds,
    )


def session_ids(settings: CollectorSettings) -> dict[str, str]:
    """Return the ids every row carries: company, user, this device, this work session."""
    return {
        "company_id": settings.company_id,
        "user_id": settings.user_id,
        "device_id": settings.device_id or load_device_id(settings.spool_dir),
        "session_id": settings.session_id or new_id(),
    }


def parse_public_key(text: str) -> CompanyPublicKey:
    """Return the company public key from its text form, or say how to get one."""
    if not text.strip():
        raise ConfigError(
            "no company public key is set: pass --public-key or set "
            "TEAMTRECK_COLLECTOR_PUBLIC_KEY (an admin prints it with "
            "'teamtreck lake keys export-public')."
        )
    try:
        return CompanyPublicKey.from_text(text)
    except KeyStoreError as e:
        raise ConfigError(f"the company public key is not valid: {e}") from e
