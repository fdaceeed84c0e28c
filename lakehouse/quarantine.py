"""Landing objects compaction refuses, and why.

A refused object is moved (still encrypted) to ``quarantine/<its landing path>`` next to a
machine-readable reason record ``quarantine/<its landing path>.reason.json``::

    {"reason": "forged", "detail": "…", "original_path": "landing/…", "quarantined_at": "…"}

Reason codes (`Reason`) are stable: tools and dashboards may count by them.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
from dataclasses import dataclass

from lakehouse.storage import Store

log = logging.getLogger(__name__)

QUARANTINE = "quarantine"
REASON_SUFFIX = ".reason.json"


class Reason(enum.StrEnum):
    """Why a landing object was refused."""

    BAD_PATH = "bad_path"  # the path does not follow the landing layout
    OVERSIZED = "oversized"  # larger than compaction accepts
    CORRUPT = "corrupt"  # not a Parquet file, truncated or damaged
    UNDECRYPTABLE = "undecryptable"  # no private key here for it, or its keys were tampered with
    NOT_ENCRYPTED = "not_encrypted"  # plaintext Parquet: collectors must encrypt
    WRONG_SCHEMA = "wrong_schema"  # columns or types differ from the table's schema
    FORGED = "forged"  # company/user inside the rows differ from the path
    ABSURD_VALUES = "absurd_values"  # negative counts, far-future timestamps, unknown statuses…
    FOREIGN_IMAGE = "foreign_image"  # a screenshot row names an image outside the user's prefix


class Rejection(Exception):
    """A landing object compaction will not accept."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Refused:
    """One refused object: where it was and why."""

    path: str
    reason: Reason
    detail: str


def quarantine_path(landing_path: str) -> str:
    """Return where a refused landing object is kept."""
    return f"{QUARANTINE}/{landing_path}"


def move_to_quarantine(store: Store, refused: Refused, now: dt.datetime) -> None:
    """Copy the object and its reason record to quarantine, then delete it from landing."""
    target = quarantine_path(refused.path)
    record = {
        "reason": str(refused.reason),
        "detail": refused.detail,
        "original_path": refused.path,
        "quarantined_at": now.isoformat(),
    }
    try:
        data = store.get_bytes(refused.path)
    except OSError:
        data = None  # vanished meanwhile: keep the reason record anyway
    if data is not None:
        store.put_bytes(target, data)
    store.put_bytes(target + REASON_SUFFIX, json.dumps(record, indent=2).encode())
    store.delete([refused.path])
    log.info("quarantined %s (%s)", refused.path, refused.reason)


def read_reasons(store: Store, prefix: str = QUARANTINE) -> list[dict[str, str]]:
    """Return every reason record under `prefix` (for reports and tests)."""
    paths = [p for p in store.find(prefix) if p.endswith(REASON_SUFFIX)]
    return [json.loads(store.get_bytes(p)) for p in paths]
