"""A copy of the whole lake without the keys reveals no title, URL, app, count or pixel."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from lakehouse.crypto import open_image, read_encrypted
from lakehouse.errors import MissingKeyError
from lakehouse.keys import CompanyKeyPair, FileKeyStore, MemoryKeyStore
from lakehouse.layout import SEALED_ROW_EXT, parse_landing_path
from lakehouse.sealed_rows import open_row, seal_row, sealed_row_path
from lakehouse.storage import Store
from lakehouse.validation import schema_for
from lakehouse.writer import LandingWriter
from tests.lakehouse.rows import NOW, activity_rows, screenshot_rows

TITLE = "Planted-Title: Quarterly layoffs list (draft 7Q)"
URL = "https://planted.example/hr/secret-path-93xq"
APP = "PlantedAppZyxw"
KEYSTROKES, CLICKS, DISTANCE_PX = 918_273, 564_738, 7_654_321
PIXEL_PATTERN = bytes([13, 250, 77, 201, 9, 144, 66, 187, 31, 222, 101, 5])


def _planted_image() -> bytes:
    image = Image.frombytes("RGB", (64, 32), PIXEL_PATTERN * (64 * 32 // 4))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)  # pixels stored verbatim, easy to find
    return out.getvalue()


def _needles() -> dict[str, bytes]:
    needles = {
        "title": TITLE.encode(),
        "title fragment": b"layoffs",
        "url": URL.encode(),
        "domain": b"planted.example",
        "app": APP.encode(),
        "pixels": PIXEL_PATTERN,
    }
    for name, count in (("keys", KEYSTROKES), ("clicks", CLICKS), ("distance", DISTANCE_PX)):
        needles[f"{name} as text"] = str(count).encode()
        needles[f"{name} as int32"] = struct.pack("<i", count)
    return needles


def _stored_objects(store: Store) -> dict[str, bytes]:
    """Every stored byte, read around the library: the folder's files or the bucket's objects."""
    if store.is_local:
        root = Path(store.root)
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    import boto3

    bucket = store.root.split("/")[0]
    client = boto3.client("s3", endpoint_url=store.fs.endpoint_url, region_name="us-east-1")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def _write_planted(store: Store, company_pair: CompanyKeyPair) -> tuple[list[str], bytes]:
    writer = LandingWriter(store, company_pair.public, "acme", "ada")
    planted = {"app": APP, "title": TITLE, "url": URL, "domain": "planted.example"}
    rows = activity_rows(
        12, keystrokes=KEYSTROKES, clicks=CLICKS, mouse_distance_px=DISTANCE_PX, **planted
    )
    image = _planted_image()
    image_path = writer.write_image("cap-planted", image, "png", NOW.date())
    shots = screenshot_rows(1, app=APP, title=TITLE, object_path=image_path, size_bytes=len(image))
    paths = [
        writer.write_table("activity", rows, rows[0]["batch_id"], NOW.date()),
        writer.write_table("screenshots", shots, shots[0]["batch_id"], NOW.date()),
    ]
    # A journaled row a collector delivered on its own (it crashed before its batch was written).
    row_path = sealed_row_path("activity", "acme", "ada", NOW.date(), rows[0]["sample_id"])
    store.put_bytes(row_path, seal_row(rows[0], company_pair.public, row_path))
    return [*paths, image_path, row_path], image


def _open_without_keys(path: str, data: bytes) -> object:
    if parse_landing_path(path).table == "images":
        return open_image(data, MemoryKeyStore(), path)
    if path.endswith(SEALED_ROW_EXT):
        return open_row(data, MemoryKeyStore(), path)
    return read_encrypted(data, MemoryKeyStore())


def test_the_search_would_find_plaintext() -> None:
    # Guard against a vacuous test: unencrypted, the same data shows every needle.
    rows = activity_rows(12, keystrokes=KEYSTROKES, clicks=CLICKS, mouse_distance_px=DISTANCE_PX,
                         app=APP, title=TITLE, url=URL, domain="planted.example")  # fmt: skip
    sink = pa.BufferOutputStream()
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema_for("activity")), sink, compression="none"
    )
    as_text = json.dumps(rows, default=str).encode()  # what a careless spool or log would hold
    plain = sink.getvalue().to_pybytes() + as_text + _planted_image()
    assert [what for what, needle in _needles().items() if needle not in plain] == []


def test_no_planted_value_is_stored_in_the_clear(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore, tmp_path: Path
) -> None:
    paths, image = _write_planted(lake_store, company_pair)
    stored = _stored_objects(lake_store)
    assert len(stored) == 4
    leaks = [
        (what, name)
        for name, data in stored.items()
        for what, needle in _needles().items()
        if needle in data or needle in name.encode()
    ]
    assert leaks == []

    # Without the private key nothing opens, not even for the writer that made it...
    for path in paths:
        data = lake_store.get_bytes(path)
        with pytest.raises(MissingKeyError):
            _open_without_keys(path, data)
    # ...while the company's key store gets every planted value back.
    activity = read_encrypted(lake_store.get_bytes(paths[0]), key_store).to_pylist()
    assert {(r["title"], r["url"], r["app"], r["keystrokes"]) for r in activity} == {
        (TITLE, URL, APP, KEYSTROKES)
    }
    assert open_image(lake_store.get_bytes(paths[2]), key_store, paths[2]) == image
    row = open_row(lake_store.get_bytes(paths[3]), key_store, paths[3])
    assert (row["title"], row["url"], row["app"], row["keystrokes"]) == (
        TITLE,
        URL,
        APP,
        KEYSTROKES,
    )
