"""Batching: rows are grouped into batches (every 2 minutes or N rows), encrypted and spooled.

Every row is checked and journaled (sealed for the company) the moment it is added, so a crash
loses at most the sample being taken. A finished batch goes to the batch queue, which has a
short-lived child process encrypt it as one PME Parquet object per table, named by the batch id
(`landing/<table>/…/date=<day>/<batch_id>.parquet`), so this process never loads pyarrow
(see `collector.footprint`); a batch never spans two UTC days. Images are sealed and spooled at
once, on their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from collector.batch_queue import Batch, BatchQueue, OnSpooled
from collector.errors import ConfigError
from collector.journal import Journal
from collector.spool import Spool, SpoolEntry
from lakehouse.crypto.envelope import seal_image
from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import BATCH_EXT, landing_path, parse_landing_path
from lakehouse.row_checks import check_row
from lakehouse.schema import ROW_ID
from lakehouse.sealed_rows import seal_row, sealed_row_path

logger = logging.getLogger(__name__)

Row = dict[str, Any]


def new_id() -> str:
    """Return a fresh id for a batch, sample, capture or event (UUID4, valid in lake paths)."""
    return str(uuid.uuid4())


class Batcher:
    """Collects rows into the current batch and spools it when it is due."""

    def __init__(
        self,
        spool: Spool,
        journal: Journal,
        public_key: CompanyPublicKey,
        company_id: str,
        user_id: str,
        *,
        interval_seconds: float = 120.0,
        max_rows: int = 500,
        queue: BatchQueue | None = None,
    ) -> None:
        if public_key.company_id != company_id:
            raise ConfigError(
                f"the public key belongs to company {public_key.company_id!r}, not "
                f"{company_id!r}. Sign in again to fetch your company's key."
            )
        self.spool = spool
        self.journal = journal
        self.public_key = public_key
        self.company_id = company_id
        self.user_id = user_id
        self.interval_seconds = interval_seconds
        self.max_rows = max_rows
        self.queue = queue or BatchQueue(spool, journal, public_key.to_text())
        self._rows: dict[str, list[Row]] = {}
        self._batch_id = new_id()
        self._day: dt.date | None = None
        self._started_at: dt.datetime | None = None

    @property
    def batch_id(self) -> str:
        """The id rows added now will carry."""
        return self._batch_id

    @property
    def on_spooled(self) -> OnSpooled:
        """Called (on the batch queue's thread) with the objects each finished batch became."""
        return self.queue.on_spooled

    @on_spooled.setter
    def on_spooled(self, callback: OnSpooled) -> None:
        self.queue.on_spooled = callback

    @property
    def row_count(self) -> int:
        """How many rows the current batch holds."""
        return sum(len(rows) for rows in self._rows.values())

    def add(self, table: str, row: Mapping[str, Any], now: dt.datetime) -> None:
        """Add one row (checked and journaled before returning); hands a full batch over.

        Raises `lakehouse.errors.SchemaError` (and keeps nothing) when the row is invalid, and
        `CollectorStopped` when finished batches can no longer be spooled.
        """
        self.queue.check()
        record = {**row, "batch_id": self._batch_id}
        check_row(table, record)  # against the real time, as the batch writer checks it
        day = record["ts"].astimezone(dt.UTC).date()
        if self._day is not None and day != self._day:
            self.flush()
            record["batch_id"] = self._batch_id
        single = sealed_row_path(
            table, self.company_id, self.user_id, day, str(record[ROW_ID[table]])
        )
        self.journal.append(self._batch_id, single, seal_row(record, self.public_key, single))
        self._rows.setdefault(table, []).append(record)
        self._day = day
        self._started_at = self._started_at or now
        if self.row_count >= self.max_rows:
            self.flush()

    def due(self, now: dt.datetime) -> bool:
        """Tell whether the current batch is old enough to be spooled."""
        if self._started_at is None:
            return False
        return (now - self._started_at).total_seconds() >= self.interval_seconds

    def flush(self) -> None:
        """Hand the current batch to the batch queue (returns at once) and start a new one."""
        if self._day is None:
            return
        objects = [
            (
                table,
                landing_path(
                    table, self.company_id, self.user_id, self._day, self._batch_id, BATCH_EXT
                ),
                rows,
            )
            for table, rows in self._rows.items()
        ]
        self.journal.release(self._batch_id)  # complete: no more appends, it only waits on disk
        self.queue.put(Batch(self._batch_id, objects))
        logger.info("batch %s finished (%d rows)", self._batch_id, self.row_count)
        self._rows, self._batch_id = {}, new_id()
        self._day = self._started_at = None

    def pending_ids(self) -> set[str]:
        """Ids of batches not spooled yet: the one being filled and those being written."""
        return {self._batch_id} | self.queue.pending_ids()

    def finish(self, timeout_seconds: float = 180.0) -> bool:
        """Wait until every finished batch is spooled; False on timeout (journals stay)."""
        return self.queue.wait(timeout_seconds)

    def image_path(self, capture_id: str, fmt: str, day: dt.date) -> str:
        """Return the landing path of a sealed image (what its screenshot row names)."""
        return landing_path(
            "images", self.company_id, self.user_id, day, capture_id, f"{fmt}.sealed"
        )

    def spool_image(self, object_path: str, image: bytes) -> SpoolEntry | None:
        """Seal an encoded image for its path and spool it; None if dropped for the budget."""
        key = parse_landing_path(object_path)
        if (key.table, key.company_id, key.user_id) != ("images", self.company_id, self.user_id):
            raise ConfigError(f"{object_path!r} is not an image path of this user.")
        return self.spool.put(object_path, seal_image(image, self.public_key, object_path))

    def recover(self) -> list[SpoolEntry]:
        """Spool the journaled rows of batches a crash interrupted; returns what was spooled."""
        spooled: list[SpoolEntry] = []
        known = self.spool.object_ids()
        for batch_id in self.journal.leftovers():
            if batch_id in known:
                # The batch itself reached the spool; only its journal was left behind.
                self.journal.discard(batch_id)
                continue
            spooled += self.journal.spool_rows(batch_id, self.spool)
        return spooled

    def close(self, timeout_seconds: float = 180.0) -> None:
        """Spool the finished batches, then close the journal (what is left stays on disk)."""
        try:
            if not self.queue.close(timeout_seconds):
                logger.warning("batches still being written are left to the next start")
        finally:
            self.journal.close()
