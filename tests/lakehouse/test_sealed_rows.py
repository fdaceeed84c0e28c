"""Sealed rows (a collector's journaled rows delivered on their own) are read, checked,
quarantined and deduplicated by compaction exactly like the rows of a batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lakehouse.compaction import compact
from lakehouse.crypto.pme import decryption_properties
from lakehouse.curated import list_parts, read_parts
from lakehouse.errors import LayoutError, MissingKeyError, SchemaError, TamperedDataError
from lakehouse.keys import CompanyKeyPair, FileKeyStore, MemoryKeyStore, generate_company_key
from lakehouse.layout import landing_path, parse_landing_path
from lakehouse.quarantine import read_reasons
from lakehouse.row_checks import check_row
from lakehouse.sealed_rows import open_row, seal_row, sealed_row_path
from lakehouse.storage import Store
from lakehouse.validation import validate_table
from tests.lakehouse.landing import put_raw
from tests.lakehouse.rows import NOW, activity_rows, screenshot_rows

TODAY = NOW.date()


def _put_sealed(
    store: Store,
    pair: CompanyKeyPair,
    row: dict[str, Any],
    table: str = "activity",
    user_id: str = "ada",
    row_id: str | None = None,
) -> str:
    row_id = row_id or str(row[{"activity": "sample_id", "screenshots": "capture_id"}[table]])
    path = sealed_row_path(table, "acme", user_id, TODAY, row_id)
    store.put_bytes(path, seal_row(row, pair.public, path))
    return path


def _curated_ids(store: Store, key_store: FileKeyStore, table: str = "activity") -> list[str]:
    parts = list_parts(store, table, "acme", TODAY)
    rows = read_parts(store, parts, table, decryption_properties(key_store))
    column = {"activity": "sample_id", "screenshots": "capture_id"}[table]
    return sorted(rows[column].to_pylist())


def test_a_sealed_row_has_its_own_landing_kind() -> None:
    path = sealed_row_path("activity", "acme", "ada", TODAY, "sample-1")
    assert path.endswith("/sample-1.row.sealed")
    assert parse_landing_path(path).ext == "row.sealed"
    with pytest.raises(LayoutError):
        landing_path("images", "acme", "ada", TODAY, "cap-1", "row.sealed")


def test_a_sealed_row_opens_only_with_the_private_key_at_its_path(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    row = activity_rows(1)[0]
    path = sealed_row_path("activity", "acme", "ada", TODAY, row["sample_id"])
    sealed = seal_row(row, company_pair.public, path)
    assert open_row(sealed, key_store, path) == row  # the same values, times included
    with pytest.raises(MissingKeyError):
        open_row(sealed, MemoryKeyStore(), path)
    other = sealed_row_path("activity", "acme", "ada", TODAY, "another-sample")
    with pytest.raises(TamperedDataError):
        open_row(sealed, key_store, other)


def test_good_sealed_rows_join_the_curated_table_once_beside_their_batch(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    rows = activity_rows(6)
    # The batch reached the lake, and so did journaled rows of it (a crash right after the batch
    # was spooled), plus two rows only the journal held.
    put_raw(lake_store, company_pair.public, "activity", rows[:4], day=TODAY, object_id="batch")
    for row in rows[2:]:
        _put_sealed(lake_store, company_pair, row)
    shot = screenshot_rows(1)[0]
    _put_sealed(lake_store, company_pair, shot, table="screenshots")

    summary = compact(lake_store, key_store)

    assert not summary.quarantined
    assert summary.files_ingested == 1 + 4 + 1
    assert summary.rows_written == 6 + 1
    assert summary.duplicates == 2
    assert _curated_ids(lake_store, key_store) == sorted(r["sample_id"] for r in rows)
    assert _curated_ids(lake_store, key_store, "screenshots") == [shot["capture_id"]]
    # A sealed row arriving after its batch was compacted is a duplicate too.
    _put_sealed(lake_store, company_pair, rows[0], row_id="late-copy")
    again = compact(lake_store, key_store)
    assert (again.rows_written, again.duplicates) == (0, 1)


def test_bad_sealed_rows_go_to_quarantine_with_a_reason(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    good = activity_rows(1)[0]
    expected: dict[str, str | None] = {_put_sealed(lake_store, company_pair, good): None}
    forged = activity_rows(1, user_id="bob")[0]
    expected[_put_sealed(lake_store, company_pair, forged)] = "forged"
    absurd = activity_rows(1, keystrokes=-5)[0]
    expected[_put_sealed(lake_store, company_pair, absurd)] = "absurd_values"
    future = activity_rows(1, ts=NOW + dt.timedelta(days=30))[0]
    expected[_put_sealed(lake_store, company_pair, future)] = "absurd_values"
    extra = {**activity_rows(1)[0], "password": "hunter2"}
    expected[_put_sealed(lake_store, company_pair, extra)] = "wrong_schema"
    wrong_type = activity_rows(1, keystrokes="many")[0]
    expected[_put_sealed(lake_store, company_pair, wrong_type)] = "wrong_schema"
    foreign = generate_company_key("acme")  # a key this lake's key store never held
    expected[_put_sealed(lake_store, foreign, activity_rows(1)[0])] = "undecryptable"
    corrupt = activity_rows(1)[0]
    path = _put_sealed(lake_store, company_pair, corrupt)
    data = bytearray(lake_store.get_bytes(path))
    data[-20] ^= 0xFF
    lake_store.put_bytes(path, bytes(data))
    expected[path] = "corrupt"
    moved = activity_rows(1)[0]
    source = _put_sealed(lake_store, company_pair, moved)
    swapped = sealed_row_path("activity", "acme", "ada", TODAY, "swapped")
    lake_store.put_bytes(swapped, lake_store.get_bytes(source))
    lake_store.delete([source])
    expected[swapped] = "corrupt"

    summary = compact(lake_store, key_store)

    reasons = {r["original_path"]: r["reason"] for r in read_reasons(lake_store)}
    assert reasons == {p: reason for p, reason in expected.items() if reason}
    assert summary.rows_written == 1
    assert _curated_ids(lake_store, key_store) == [good["sample_id"]]
    kept = [p for p, reason in expected.items() if reason is None]
    assert lake_store.find("landing/activity") == kept  # the refused ones left landing


BROKEN = {
    "empty count": {"keystrokes": None},
    "negative count": {"keystrokes": -1},
    "count beyond int32": {"keystrokes": 2**31},
    "bool as count": {"keystrokes": True},
    "nan duration": {"duration_seconds": float("nan")},
    "unknown status": {"status": "asleep"},
    "unsafe id": {"sample_id": "a/b"},
    "naive time": {"ts": NOW.replace(tzinfo=None)},
    "future time": {"ts": NOW + dt.timedelta(days=2)},
    "ancient time": {"ts": dt.datetime(1999, 12, 31, tzinfo=dt.UTC)},
    "number as title": {"title": 42},
    "unknown column": {"extra": "x"},
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_the_device_check_refuses_what_the_lake_refuses(change: dict[str, Any]) -> None:
    row = {**activity_rows(1)[0], **change}
    with pytest.raises(SchemaError):
        validate_table("activity", [row])
    with pytest.raises(SchemaError):
        check_row("activity", row)


def test_the_device_check_refuses_a_missing_column() -> None:
    row = activity_rows(1)[0]
    del row["clicks"]
    with pytest.raises(SchemaError, match="missing column 'clicks'"):
        check_row("activity", row)


def test_the_device_check_accepts_what_the_lake_accepts() -> None:
    rows = [*activity_rows(3), *activity_rows(1, app=None, title=None, idle_seconds=0)]
    validate_table("activity", rows)
    for row in rows:
        check_row("activity", row)
    for shot in screenshot_rows(2):
        check_row("screenshots", shot)
