"""Compaction: landing files become deduplicated, sorted, encrypted curated Parquet, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from lakehouse import compaction
from lakehouse.compaction import compact
from lakehouse.crypto.pme import decryption_properties
from lakehouse.curated import list_parts, read_parts
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.layout import landing_path
from lakehouse.storage import Store
from tests.lakehouse.landing import DAY, put_raw, write_simulated
from tests.lakehouse.rows import activity_rows


def _curated(store: Store, key_store: FileKeyStore, table: str, day: dt.date = DAY) -> pa.Table:
    parts = list_parts(store, table, "acme", day)
    return read_parts(store, parts, table, decryption_properties(key_store))


def test_landing_becomes_one_sorted_encrypted_file_per_table_and_day(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    report = write_simulated(lake_store, company_pair.public, users=3)

    summary = compact(lake_store, key_store)

    assert summary.files_ingested == report.files
    assert summary.rows_written == sum(report.rows.values())
    assert not summary.quarantined
    for table in ("activity", "screenshots", "sessions"):
        parts = list_parts(lake_store, table, "acme", DAY)
        assert len(parts) == 1
        rows = _curated(lake_store, key_store, table)
        assert rows.num_rows == report.rows[table]
        order = rows.sort_by([("user_id", "ascending"), ("ts", "ascending")])
        assert rows.equals(order)
    raw = lake_store.get_bytes(list_parts(lake_store, "activity", "acme", DAY)[0])
    with pytest.raises(OSError, match=r"(?i)encrypt|decrypt|key"):
        pq.read_table(pa.BufferReader(raw))  # no keys, no data
    assert raw[-4:] == b"PARE"


def test_a_second_run_does_nothing_new(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    report = write_simulated(lake_store, company_pair.public)
    compact(lake_store, key_store)
    before = lake_store.find("curated")

    again = compact(lake_store, key_store)

    assert again.files_ingested == 0
    assert again.files_already_ingested == report.files
    assert again.rows_written == 0
    assert lake_store.find("curated") == before


def test_a_reuploaded_batch_never_counts_twice(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    rows = activity_rows(12, user_id="ada")
    day = rows[0]["ts"].date()
    put_raw(lake_store, company_pair.public, "activity", rows, day=day, object_id="first")
    put_raw(lake_store, company_pair.public, "activity", rows, day=day, object_id="again")
    first = compact(lake_store, key_store)
    # Uploaded once more after compaction, under yet another name: still the same samples.
    put_raw(lake_store, company_pair.public, "activity", rows[:6], day=day, object_id="late")
    second = compact(lake_store, key_store)

    assert first.rows_written == 12
    assert first.duplicates == 12
    assert second.rows_written == 0
    assert second.duplicates == 6
    curated_rows = _curated(lake_store, key_store, "activity", day)
    assert sorted(curated_rows["sample_id"].to_pylist()) == sorted(r["sample_id"] for r in rows)


def test_new_batches_of_a_compacted_day_are_added_and_parts_stay_few(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    total = 0
    for run in range(compaction.MAX_PARTS + 2):
        rows = activity_rows(12, user_id="ada")
        day = rows[0]["ts"].date()
        put_raw(lake_store, company_pair.public, "activity", rows, day=day, object_id=f"b{run}")
        total += 12
        compact(lake_store, key_store)

    parts = list_parts(lake_store, "activity", "acme", day)
    assert len(parts) <= compaction.MAX_PARTS
    curated_rows = _curated(lake_store, key_store, "activity", day)
    assert curated_rows.num_rows == total
    assert pc.count_distinct(curated_rows["sample_id"]).as_py() == total


def test_rows_are_partitioned_by_their_own_date(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    midnight = dt.datetime.combine(DAY, dt.time(), dt.UTC)
    rows = activity_rows(12, user_id="ada")
    for i, row in enumerate(rows):  # a batch across midnight
        row["ts"] = midnight + dt.timedelta(seconds=10 * (i - 6))
    put_raw(lake_store, company_pair.public, "activity", rows, day=DAY, object_id="midnight")

    compact(lake_store, key_store)

    before = _curated(lake_store, key_store, "activity", DAY - dt.timedelta(days=1))
    after = _curated(lake_store, key_store, "activity", DAY)
    assert (before.num_rows, after.num_rows) == (6, 6)


def test_companies_without_keys_are_left_in_landing(
    lake_store: Store, company_pair: CompanyKeyPair, tmp_path: Path
) -> None:
    write_simulated(lake_store, company_pair.public, users=1)
    empty = FileKeyStore(tmp_path / "no-keys")

    summary = compact(lake_store, empty)

    assert summary.companies_without_keys == ["acme"]
    assert not summary.quarantined
    assert lake_store.find("curated") == []
    assert lake_store.find("quarantine") == []
    path = landing_path("sessions", "acme", "user-0001", DAY, "x", "parquet")
    assert any(p.startswith(path.rsplit("/", 1)[0]) for p in lake_store.find("landing/sessions"))


def test_rollups_stay_paired_with_activity_parts_after_a_crash(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    rows = activity_rows(12, user_id="ada")
    day = rows[0]["ts"].date()
    put_raw(lake_store, company_pair.public, "activity", rows, day=day, object_id="one")
    compact(lake_store, key_store)
    # As if compaction had died between writing an activity part and its rollups …
    lake_store.delete(list_parts(lake_store, "daily", "acme", day))
    # … or between writing rollups and their activity part.
    orphan = list_parts(lake_store, "apps", "acme", day)[0].replace("part-", "part-orphan-")
    lake_store.put_bytes(
        orphan, lake_store.get_bytes(list_parts(lake_store, "apps", "acme", day)[0])
    )

    put_raw(
        lake_store, company_pair.public, "activity", activity_rows(12), day=day, object_id="two"
    )
    compact(lake_store, key_store)

    names = {p.rsplit("/", 1)[1] for p in list_parts(lake_store, "activity", "acme", day)}
    for rollup in ("daily", "apps"):
        assert {p.rsplit("/", 1)[1] for p in list_parts(lake_store, rollup, "acme", day)} == names
    daily = _curated(lake_store, key_store, "daily", day)
    assert pc.sum(daily["samples"]).as_py() == 24


def test_a_merge_that_died_before_deleting_its_inputs_is_healed(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    rows = activity_rows(12, user_id="ada")
    day = rows[0]["ts"].date()
    put_raw(lake_store, company_pair.public, "activity", rows, day=day, object_id="one")
    compact(lake_store, key_store)
    part = list_parts(lake_store, "activity", "acme", day)[0]
    lake_store.put_bytes(part.replace("part-", "part-copy-"), lake_store.get_bytes(part))
    assert _curated(lake_store, key_store, "activity", day).num_rows == 24  # the damage

    put_raw(
        lake_store, company_pair.public, "activity", activity_rows(12), day=day, object_id="two"
    )
    compact(lake_store, key_store)

    healed = _curated(lake_store, key_store, "activity", day)
    assert healed.num_rows == 24
    assert pc.count_distinct(healed["sample_id"]).as_py() == 24
    assert len(list_parts(lake_store, "activity", "acme", day)) == 1
    assert pc.sum(_curated(lake_store, key_store, "daily", day)["samples"]).as_py() == 24
