"""The collector's side: validating and encrypting batches with only the public key."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa
import pytest

from lakehouse.crypto import open_image, read_encrypted
from lakehouse.errors import MissingKeyError, SchemaError
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.storage import Store
from lakehouse.validation import schema_for, valid_row_mask, validate_table
from lakehouse.writer import LandingWriter, encrypt_table
from tests.lakehouse.rows import NOW, activity_rows, screenshot_rows, session_rows


@pytest.mark.parametrize(
    ("table_name", "rows"),
    [
        ("activity", activity_rows()),
        ("screenshots", screenshot_rows(3)),
        ("sessions", session_rows()),
    ],
)
def test_every_table_round_trips_through_the_key_store(
    table_name: str,
    rows: list[dict[str, Any]],
    company_pair: CompanyKeyPair,
    key_store: FileKeyStore,
) -> None:
    data = encrypt_table(table_name, rows, company_pair.public)
    table = read_encrypted(data, key_store)
    assert table.to_pylist() == rows
    assert table.schema.metadata[b"teamtreck.table"] == table_name.encode()
    assert table.schema.metadata[b"teamtreck.schema_version"] == b"1"


def test_the_writer_cannot_read_back_what_it_wrote(
    company_pair: CompanyKeyPair, tmp_path: Any
) -> None:
    data = encrypt_table("activity", activity_rows(), company_pair.public)
    writer_side = FileKeyStore(tmp_path / "collector-keys")  # a collector holds no private key
    with pytest.raises(MissingKeyError, match="no private key"):
        read_encrypted(data, writer_side)


def test_an_arrow_table_is_accepted_and_cast_to_the_schema(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    rows = activity_rows(3)
    loose = pa.Table.from_pylist(rows)  # int64 counts, double durations, column order kept
    data = encrypt_table(
        "activity", loose.select(list(reversed(loose.column_names))), company_pair.public
    )
    assert read_encrypted(data, key_store).schema.equals(schema_for("activity"))


def _problems(table_name: str, rows: Any) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        validate_table(table_name, rows)
    return caught.value.problems


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"status": "busy"}, "'status' is not one of active, idle"),
        ({"keystrokes": -1}, "'keystrokes' is negative"),
        ({"idle_seconds": math.nan}, "'idle_seconds' is not a number"),
        ({"ts": NOW + dt.timedelta(days=3)}, "'ts' is more than a day in the future"),
        ({"ts": dt.datetime(1970, 1, 2, tzinfo=dt.UTC)}, "'ts' is before the year 2000"),
        ({"user_id": "../bob"}, "'user_id' is not an id"),
        ({"agent_version": None}, "'agent_version' is empty"),
        ({"ts": NOW.replace(tzinfo=None)}, "with a time zone"),
        ({"keystrokes": "many"}, "column 'keystrokes' must hold int32"),
        ({"keystrokes": 2**40}, "column 'keystrokes' must hold int32"),
    ],
)
def test_bad_activity_is_refused_with_the_reason(overrides: dict[str, Any], expected: str) -> None:
    problems = _problems("activity", activity_rows(4, **overrides))
    assert any(expected in p for p in problems), problems


def test_unknown_and_missing_columns_are_named() -> None:
    rows = [{**r, "password": "x"} for r in activity_rows(2)]
    for row in rows:
        del row["clicks"]
    assert _problems("activity", rows) == ["unknown column 'password'", "missing column 'clicks'"]


def test_session_kinds_and_image_formats_are_checked() -> None:
    assert any(
        "'kind' is not one of" in p for p in _problems("sessions", session_rows(("start", "nap")))
    )
    assert any(
        "'format' is not one of" in p
        for p in _problems("screenshots", screenshot_rows(format="gif"))
    )


def test_problems_never_quote_the_values() -> None:
    rows = activity_rows(2, title=12345, status="Secret Merger Plan")
    with pytest.raises(SchemaError) as caught:
        validate_table("activity", rows)
    message = str(caught.value)
    assert "Secret Merger Plan" not in message
    assert "12345" not in message


def test_unknown_table_is_refused(company_pair: CompanyKeyPair) -> None:
    with pytest.raises(SchemaError, match="unknown table"):
        encrypt_table("keystrokes", [], company_pair.public)


def test_valid_row_mask_singles_out_bad_rows() -> None:
    rows = activity_rows(3)
    rows[1]["clicks"] = -5
    table = pa.Table.from_pylist(rows, schema=schema_for("activity"))
    assert valid_row_mask(table).to_pylist() == [True, False, True]


def test_landing_writer_stores_batches_and_images(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    writer = LandingWriter(lake_store, company_pair.public, "acme", "ada")
    rows = activity_rows()
    path = writer.write_table("activity", rows, rows[0]["batch_id"], NOW.date())
    image_path = writer.write_image("cap-1", b"\x89PNG fake image", "png", NOW.date())
    assert lake_store.find("landing") == sorted([path, image_path])
    assert (
        path
        == f"landing/activity/company=acme/user=ada/date={NOW.date()}/{rows[0]['batch_id']}.parquet"
    )
    assert read_encrypted(lake_store.get_bytes(path), key_store).to_pylist() == rows
    assert (
        open_image(lake_store.get_bytes(image_path), key_store, image_path) == b"\x89PNG fake image"
    )


def test_landing_writer_refuses_rows_of_someone_else(
    lake_store: Store, company_pair: CompanyKeyPair
) -> None:
    writer = LandingWriter(lake_store, company_pair.public, "acme", "ada")
    with pytest.raises(SchemaError, match="'user_id' differs"):
        writer.write_table("activity", activity_rows(user_id="bob"), "b1", NOW.date())
    with pytest.raises(SchemaError, match="belongs to company 'acme'"):
        LandingWriter(lake_store, company_pair.public, "other", "ada")
    assert lake_store.find() == []


def test_small_batches_skip_compression_large_ones_use_zstd(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    import pyarrow.parquet as pq

    from lakehouse.crypto import decryption_properties

    properties = decryption_properties(key_store)
    for rows, codec in ((activity_rows(12), "UNCOMPRESSED"), (activity_rows(2000), "ZSTD")):
        data = encrypt_table("activity", rows, company_pair.public)
        metadata = pq.ParquetFile(pa.BufferReader(data), decryption_properties=properties).metadata
        assert metadata.row_group(0).column(0).compression == codec
