"""The batch queue: finished batches go to the batch writer child, one at a time, off the
sampling thread.

Sampling never waits for a batch to be encrypted: `put` returns at once and a thread of the
queue runs ``python -m collector.batch_writer`` (see that module) with a minimal environment
and a timeout, moves the files it wrote into the outbox, and only then forgets the batch's
journal. When the child fails (it could not start, timed out, or refused the batch) the batch's
journaled rows are spooled one by one instead, as sealed rows the lake reads like a batch:
nothing is lost and nothing waits for a restart. Failures are logged with the batch id and what
went wrong, never with a value of a row. When the spool itself cannot be written, the queue
stops writing (journals stay for the next start) and `check` raises the error on the sampling
thread, which stops the agent as any unusable spool does.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from collector.errors import CollectorStopped
from collector.journal import Journal
from collector.spool import Spool, SpoolEntry
from lakehouse.row_json import row_to_json

logger = logging.getLogger(__name__)

# What the child needs to find Python and our packages (and, on Windows, its system folder).
CHILD_ENVIRONMENT: Final = ("PATH", "PYTHONPATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
MAX_BATCHES_PER_CHILD: Final = 20
Row = dict[str, Any]
OnSpooled = Callable[[list[SpoolEntry]], None]


class BatchWriterError(Exception):
    """The batch writer child did not write the batch."""


@dataclass(frozen=True)
class Batch:
    """One finished batch: its id and, per table, its landing path and rows."""

    batch_id: str
    objects: list[tuple[str, str, list[Row]]]  # (table, landing path, rows)


def child_environment() -> dict[str, str]:
    """The few variables the child gets (no credentials, no settings of ours)."""
    return {name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ}


def run_batch_writer(
    batches: list[Batch], public_key_text: str, spool_tmp: Path, timeout_seconds: float
) -> list[tuple[str, Path]]:
    """Have one child process encrypt `batches` into `spool_tmp`; return (landing path, file)
    for every object written.

    Raises `BatchWriterError` when the child cannot start, times out or fails.
    """
    request = {
        "public_key": public_key_text,
        "spool_tmp": str(spool_tmp),
        "objects": [
            {"table": table, "path": path, "rows": [row_to_json(row) for row in rows]}
            for batch in batches
            for table, path, rows in batch.objects
        ],
    }
    command = [sys.executable, "-m", "collector.batch_writer"]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=timeout_seconds,
            env=child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        stopped = f"it took longer than {timeout_seconds:.0f} s and was stopped"
        raise BatchWriterError(stopped) from e
    except OSError as e:
        raise BatchWriterError(f"it could not be started ({e.strerror})") from e
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        last = said[-1] if said else "-"
        raise BatchWriterError(f"it exited with code {done.returncode}: {last}")
    try:
        answer = json.loads(done.stdout)
        written = [(item["path"], spool_tmp / item["file"]) for item in answer["written"]]
    except (ValueError, KeyError, TypeError) as e:
        raise BatchWriterError("its answer could not be read") from e
    logger.debug(
        "%d batches written in %.2f s (child peak RSS %.0f MB)",
        len(batches),
        time.monotonic() - started,
        answer.get("peak_rss_bytes", 0) / 1e6,
    )
    return written


Writer = Callable[[list[Batch], str, Path, float], list[tuple[str, Path]]]


class BatchQueue:
    """Spools finished batches through the batch writer child, in order, on its own thread."""

    def __init__(
        self,
        spool: Spool,
        journal: Journal,
        public_key_text: str,
        *,
        timeout_seconds: float = 120.0,
        writer: Writer = run_batch_writer,
    ) -> None:
        self.spool = spool
        self.journal = journal
        self.public_key_text = public_key_text
        self.timeout_seconds = timeout_seconds
        self.on_spooled: OnSpooled = lambda _entries: None
        self._writer = writer
        self._queue: queue.Queue[Batch | None] = queue.Queue()
        self._waiting: dict[str, Batch] = {}
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._failure: CollectorStopped | None = None

    def check(self) -> None:
        """Raise the error that stopped the queue (an unusable spool), if any."""
        if self._failure is not None:
            raise self._failure

    def put(self, batch: Batch) -> None:
        """Hand a finished batch over (returns at once; its journal stays until it is spooled)."""
        self.check()
        with self._idle:
            self._waiting[batch.batch_id] = batch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="batches", daemon=True)
                self._thread.start()
        self._queue.put(batch)

    def pending_ids(self) -> set[str]:
        """The ids of batches handed over and not spooled yet."""
        with self._idle:
            return set(self._waiting)

    def wait(self, timeout_seconds: float) -> bool:
        """Wait until every batch handed over is spooled; False on timeout."""
        deadline = time.monotonic() + timeout_seconds
        with self._idle:
            while self._waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout_seconds: float) -> bool:
        """Spool what was handed over, then stop the thread; False if batches are left."""
        finished = self.wait(timeout_seconds)
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(max(0.0, timeout_seconds))
            self._thread = None
        return finished

    def _run(self) -> None:
        running = True
        while running:
            first = self._queue.get()
            if first is None:
                return
            batches = [first]
            # Batches that queued up meanwhile (e.g. while the machine was busy) share a child.
            while len(batches) < MAX_BATCHES_PER_CHILD:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    running = False
                    break
                batches.append(more)
            self._spool_all(batches)

    def _spool_all(self, batches: list[Batch]) -> None:
        ids = ", ".join(b.batch_id for b in batches)
        try:
            if self._failure is None:
                self.on_spooled(self._spool(batches))
        except CollectorStopped as e:  # an unusable spool: stop writing, stop the agent
            self._failure = e
            logger.error("batches %s were not spooled (journals kept): %s", ids, e)
        except Exception:  # the journals stay on disk: the next start spools their rows
            logger.exception("batches %s were not spooled; their journals are kept", ids)
        finally:
            with self._idle:
                for batch in batches:
                    self._waiting.pop(batch.batch_id, None)
                self._idle.notify_all()

    def _spool(self, batches: list[Batch]) -> list[SpoolEntry]:
        try:
            written = self._writer(
                batches, self.public_key_text, self.spool.tmp, self.timeout_seconds
            )
            entries = [self.spool.adopt(file, path) for path, file in written]
        except (BatchWriterError, OSError) as e:
            logger.error(
                "the batch writer did not write batch %s: %s; their %d journaled rows are "
                "spooled one by one instead",
                ", ".join(b.batch_id for b in batches),
                e,
                sum(len(rows) for b in batches for _, _, rows in b.objects),
            )
            return [e for b in batches for e in self.journal.spool_rows(b.batch_id, self.spool)]
        # Only once a batch is in the outbox may its journal go.
        for batch in batches:
            self.journal.discard(batch.batch_id)
            logger.info("spooled batch %s", batch.batch_id)
        return entries
