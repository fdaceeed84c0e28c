"""Retention: each company keeps its data for a number of days (default 90), then it is purged.

The setting lives in the lake, one small JSON file per company::

    config/company=<c>.json     {"retention_days": 30}

`purge` deletes, for every company, each landing object, screenshot image, curated partition,
ledger file and quarantined object whose date (the ``date=`` folder) is older than
``today - retention_days``. Erasing one person is `lakehouse.erasure`.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lakehouse.errors import ObjectNotFoundError
from lakehouse.layout import check_id
from lakehouse.lease import LEASE_WAIT_SECONDS, lake_lease
from lakehouse.storage import Store

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 90
AREAS = ("landing", "curated", "ledger", "quarantine")
_COMPANY_DATE = re.compile(r"/company=([A-Za-z0-9_-]{1,64})/(?:.*/)?date=(\d{4}-\d{2}-\d{2})/")


def config_path(company_id: str) -> str:
    """Return where a company's lake settings live."""
    return f"config/company={check_id(company_id, 'company id')}.json"


def retention_days(
    store: Store, company_id: str, overrides: Mapping[str, int] | None = None
) -> int:
    """Return a company's retention: `overrides`, else its settings file, else 90 days."""
    if overrides and company_id in overrides:
        return int(overrides[company_id])
    try:
        settings = json.loads(store.get_bytes(config_path(company_id)))
    except ObjectNotFoundError:
        return DEFAULT_RETENTION_DAYS
    return int(settings.get("retention_days", DEFAULT_RETENTION_DAYS))


def set_retention_days(store: Store, company_id: str, days: int) -> None:
    """Set how many days a company's data is kept (at least 1)."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}.")
    path = config_path(company_id)
    try:
        settings = json.loads(store.get_bytes(path))
    except ObjectNotFoundError:
        settings = {}
    settings["retention_days"] = days
    store.put_bytes(path, json.dumps(settings, indent=2).encode())


@dataclass
class PurgeReport:
    """What `purge` deleted: objects per area and table, and each company's cutoff date."""

    deleted: collections.Counter[str] = field(default_factory=collections.Counter)
    cutoffs: dict[str, dt.date] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Return the report as lines for a terminal."""
        out = [f"{c}: kept from {d.isoformat()}" for c, d in sorted(self.cutoffs.items())]
        out += [f"deleted {n} objects from {area}" for area, n in sorted(self.deleted.items())]
        return out or ["nothing to purge"]


def _area_of(path: str) -> str:
    parts = path.split("/")
    if parts[0] == "quarantine":
        return "quarantine"
    return "/".join(parts[:2])


def purge(
    store: Store,
    today: dt.date | None = None,
    overrides: Mapping[str, int] | None = None,
    *,
    wait_seconds: float = LEASE_WAIT_SECONDS,
) -> PurgeReport:
    """Delete everything older than each company's retention; return what was deleted.

    Holds the lake's lease, waiting up to `wait_seconds` for a running compaction to finish.
    """
    with lake_lease(store, "purge", wait_seconds=wait_seconds):
        return _purge(store, today or dt.datetime.now(dt.UTC).date(), overrides)


def _purge(store: Store, today: dt.date, overrides: Mapping[str, int] | None) -> PurgeReport:
    report = PurgeReport()
    doomed: list[str] = []
    for area in AREAS:
        for path in store.find(area):
            match = _COMPANY_DATE.search(path)
            if match is None:
                continue
            company, day = match[1], dt.date.fromisoformat(match[2])
            if company not in report.cutoffs:
                keep = retention_days(store, company, overrides)
                report.cutoffs[company] = today - dt.timedelta(days=keep)
            if day < report.cutoffs[company]:
                doomed.append(path)
                report.deleted[_area_of(path)] += 1
    store.delete(doomed)
    log.info("purge deleted %d objects", len(doomed))
    return report
