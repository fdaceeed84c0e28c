"""Batching: rows are grouped into batches (every 2 minutes or N rows), encrypted and spooled.

Every row is journaled (encrypted) the moment it is added, so a crash loses at most the sample
being taken. A batch becomes one encrypted Parquet object per table, named by the batch id
(`landing/<table>/…/date=<day>/<batch_id>.parquet`); a batch never spans two UTC days. Images
are sealed and spooled at once, on their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from collector.errors import ConfigError
from collector.journal import Journal
from collector.spool import Spool, SpoolEntry
from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import landing_path, parse_landing_path
from lakehouse.schema import ROW_ID
from lakehouse.writer import encrypt_table, seal_image

logger = logging.getLogger(__name__)

Row = dict[str, Any]
Encrypt = Callable[[str, list[Row], CompanyPublicKey], bytes]


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
        encrypt: Encrypt = encrypt_table,
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
        self._encrypt = encrypt
        self._rows: dict[str, list[Row]] = {}
        self._batch_id = new_id()
        self._day: dt.date | None = None
        self._started_at: dt.datetime | None = None

    @property
    def batch_id(self) -> str:
        """The id rows added now will carry."""
        return self._batch_id

    @property
    def row_count(self) -> int:
        """How many rows the current batch holds."""
        return sum(len(rows) for rows in self._rows.values())

    def add(self, table: str, row: Mapping[str, Any], now: dt.datetime) -> list[SpoolEntry]:
        """Add one row (journaled before returning); returns any batch spooled to make room.

        Raises `lakehouse.errors.SchemaError` (and keeps nothing) when the row is invalid.
        """
        day = row["ts"].astimezone(dt.UTC).date()
        spooled = self.flush() if self._day is not None and day != self._day else []
        record = {**row, "batch_id": self._batch_id}
        single = landing_path(
            table, self.company_id, self.user_id, day, str(record[ROW_ID[table]]), "parquet"
        )
        # Encrypting the single row also validates it before it joins the batch.
        self.journal.append(self._batch_id, single, self._encrypt(table, [record], self.public_key))
        self._rows.setdefault(table, []).append(record)
        self._day = day
        self._started_at = self._started_at or now
        if self.row_count >= self.max_rows:
            spooled += self.flush()
        return spooled

    def due(self, now: dt.datetime) -> bool:
        """Tell whether the current batch is old enough to be spooled."""
        if self._started_at is None:
            return False
        return (now - self._started_at).total_seconds() >= self.interval_seconds

    def flush(self) -> list[SpoolEntry]:
        """Encrypt and spool the current batch (one object per table) and start a new one."""
        if self._day is None:
            return []
        spooled = []
        for table, rows in self._rows.items():
            path = landing_path(
                table, self.company_id, self.user_id, self._day, self._batch_id, "parquet"
            )
            entry = self.spool.put(path, self._encrypt(table, rows, self.public_key))
            if entry is not None:
                spooled.append(entry)
        # Only once the batch is durable may its journal go.
        self.journal.discard(self._batch_id)
        logger.info("spooled batch %s (%d rows)", self._batch_id, self.row_count)
        self._rows, self._batch_id = {}, new_id()
        self._day = self._started_at = None
        return spooled

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
            reading = self.journal.read(batch_id)
            for path, payload in reading.records:
                entry = self.spool.put(path, payload)
                if entry is not None:
                    spooled.append(entry)
            if reading.damaged:
                moved = self.journal.move_to(batch_id, self.spool.quarantine_dir)
                logger.error("journal of batch %s is damaged; kept in %s", batch_id, moved)
            else:
                self.journal.discard(batch_id)
            logger.info("recovered %d rows of batch %s", len(reading.records), batch_id)
        return spooled
