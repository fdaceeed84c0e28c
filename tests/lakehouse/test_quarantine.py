"""Compaction refuses bad landing files into quarantine with a reason, and keeps the good ones."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehouse.compaction import compact
from lakehouse.crypto.pme import decryption_properties, write_encrypted
from lakehouse.curated import list_parts, read_parts
from lakehouse.intake import Limits
from lakehouse.keys import CompanyKeyPair, FileKeyStore, generate_company_key
from lakehouse.layout import landing_path
from lakehouse.quarantine import REASON_SUFFIX, quarantine_path, read_reasons
from lakehouse.storage import Store
from tests.lakehouse.landing import put_raw
from tests.lakehouse.rows import NOW, activity_rows, screenshot_rows

TODAY = NOW.date()


def _path(object_id: str, table: str = "activity", user: str = "ada") -> str:
    return landing_path(table, "acme", user, TODAY, object_id, "parquet")


def _plant_bad_files(store: Store, pair: CompanyKeyPair) -> dict[str, str]:
    """Write one file of every kind compaction must refuse; return {path: expected reason}."""
    public = pair.public
    good = write_encrypted(pa.Table.from_pylist(activity_rows(12)), public)
    expected = {}
    store.put_bytes(_path("garbage"), b"this is not parquet at all")
    expected[_path("garbage")] = "corrupt"
    store.put_bytes(_path("truncated"), good[: len(good) // 2])
    expected[_path("truncated")] = "corrupt"
    foreign = write_encrypted(
        pa.Table.from_pylist(activity_rows(12)), generate_company_key("other").public
    )
    store.put_bytes(_path("foreign-key"), foreign)
    expected[_path("foreign-key")] = "undecryptable"
    plain = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(activity_rows(12)), plain)
    store.put_bytes(_path("plaintext"), plain.getvalue())
    expected[_path("plaintext")] = "not_encrypted"
    store.put_bytes(_path("schema"), write_encrypted(pa.table({"sample_id": ["x"]}), public))
    expected[_path("schema")] = "wrong_schema"
    expected[
        put_raw(
            store, public, "activity", activity_rows(12, user_id="bob"), object_id="forged-user"
        )
    ] = "forged"
    expected[
        put_raw(
            store,
            public,
            "activity",
            activity_rows(12, company_id="other"),
            object_id="forged-company",
        )
    ] = "forged"
    expected[
        put_raw(store, public, "activity", activity_rows(12, keystrokes=-5), object_id="negative")
    ] = "absurd_values"
    future = NOW + dt.timedelta(days=30)
    expected[
        put_raw(store, public, "activity", activity_rows(12, ts=future), object_id="future")
    ] = "absurd_values"
    stolen = "landing/images/company=acme/user=bob/date=2026-11-01/cap.jpeg.sealed"
    expected[
        put_raw(
            store,
            public,
            "screenshots",
            screenshot_rows(2, object_path=stolen),
            object_id="foreign-image",
        )
    ] = "foreign_image"
    store.put_bytes("landing/activity/company=acme/loose.parquet", good)
    expected["landing/activity/company=acme/loose.parquet"] = "bad_path"
    return expected


def test_every_bad_file_is_quarantined_with_its_reason_and_good_ones_still_land(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    good_rows = activity_rows(12)
    good_path = put_raw(lake_store, company_pair.public, "activity", good_rows, object_id="good")
    good_shots = screenshot_rows(2)
    put_raw(lake_store, company_pair.public, "screenshots", good_shots, object_id="good-shots")
    expected = _plant_bad_files(lake_store, company_pair)

    summary = compact(lake_store, key_store)

    reasons = {r["original_path"]: r for r in read_reasons(lake_store)}
    assert {p: r["reason"] for p, r in reasons.items()} == expected
    for path, record in reasons.items():
        assert record["detail"]
        dt.datetime.fromisoformat(record["quarantined_at"])
        assert not lake_store.exists(path)  # moved out of landing …
        assert lake_store.exists(quarantine_path(path))  # … and kept as it was
        assert lake_store.exists(quarantine_path(path) + REASON_SUFFIX)
    counts = {}
    for reason in expected.values():
        counts[reason] = counts.get(reason, 0) + 1
    assert dict(summary.quarantined) == counts
    parts = list_parts(lake_store, "activity", "acme", TODAY)
    curated = read_parts(lake_store, parts, "activity", decryption_properties(key_store))
    assert sorted(curated["sample_id"].to_pylist()) == sorted(r["sample_id"] for r in good_rows)
    assert lake_store.exists(good_path)
    shots = list_parts(lake_store, "screenshots", "acme", TODAY)
    assert (
        read_parts(lake_store, shots, "screenshots", decryption_properties(key_store)).num_rows == 2
    )


def test_oversized_files_are_refused_before_reading(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    path = put_raw(lake_store, company_pair.public, "activity", activity_rows(300), object_id="big")

    summary = compact(lake_store, key_store, limits=Limits(max_file_bytes=4096))

    assert dict(summary.quarantined) == {"oversized": 1}
    record = json.loads(lake_store.get_bytes(quarantine_path(path) + REASON_SUFFIX))
    assert record["reason"] == "oversized"
    assert record["original_path"] == path


def test_a_second_run_does_not_quarantine_again(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    lake_store.put_bytes(_path("garbage"), b"junk")
    compact(lake_store, key_store)

    again = compact(lake_store, key_store)

    assert not again.quarantined
    assert len(read_reasons(lake_store)) == 1


@pytest.mark.parametrize("lines", [True])
def test_the_summary_reads_well(lines: bool, lake_store: Store, key_store: FileKeyStore) -> None:
    lake_store.put_bytes(_path("garbage"), b"junk")
    text = "\n".join(compact(lake_store, key_store).lines())
    assert "quarantined: 1, corrupt 1" in text
    assert "files: 1 seen" in text
