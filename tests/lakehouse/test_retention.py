"""Retention: each company's old data leaves every area of the lake; newer data stays."""

from __future__ import annotations

import datetime as dt

from lakehouse.compaction import compact
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.quarantine import QUARANTINE
from lakehouse.retention import (
    DEFAULT_RETENTION_DAYS,
    purge,
    retention_days,
    set_retention_days,
)
from lakehouse.storage import Store
from tests.lakehouse.landing import write_simulated

TODAY = dt.datetime.now(dt.UTC).date()


def _dates(store: Store, area: str) -> set[str]:
    return {part for p in store.find(area) for part in p.split("/") if part.startswith("date=")}


def test_old_days_are_purged_from_every_area_and_recent_ones_kept(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    old, recent = TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=2)
    write_simulated(lake_store, company_pair.public, users=1, day=old)
    write_simulated(lake_store, company_pair.public, users=1, day=recent)
    compact(lake_store, key_store)
    lake_store.put_bytes(
        f"{QUARANTINE}/landing/activity/company=acme/user=u/date={old}/x.parquet", b"x"
    )
    set_retention_days(lake_store, "acme", 30)

    report = purge(lake_store, today=TODAY)

    assert report.cutoffs == {"acme": TODAY - dt.timedelta(days=30)}
    for area in ("landing/activity", "landing/images", "landing/sessions", "curated", "ledger"):
        assert _dates(lake_store, area) == {f"date={recent}"}, area
    assert lake_store.find(QUARANTINE) == []
    assert report.deleted["landing/images"] > 0
    assert report.deleted["curated/activity"] == 1
    assert report.deleted["quarantine"] == 1


def test_retention_defaults_to_90_days_and_can_be_overridden(lake_store: Store) -> None:
    assert retention_days(lake_store, "acme") == DEFAULT_RETENTION_DAYS == 90
    set_retention_days(lake_store, "acme", 7)
    assert retention_days(lake_store, "acme") == 7
    assert retention_days(lake_store, "acme", {"acme": 365}) == 365


def test_each_company_keeps_its_own_retention(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    from lakehouse.keys import generate_company_key

    other = generate_company_key("globex")
    key_store.save(other)
    day = TODAY - dt.timedelta(days=20)
    write_simulated(lake_store, company_pair.public, users=1, day=day)
    write_simulated(lake_store, other.public, users=1, day=day)
    set_retention_days(lake_store, "acme", 10)

    purge(lake_store, today=TODAY)

    assert lake_store.find("landing/activity/company=acme") == []
    assert lake_store.find("landing/activity/company=globex") != []
