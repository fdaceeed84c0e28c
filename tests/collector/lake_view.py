"""Read back what collectors wrote to the lake's landing zone, with the company's private key
(what compaction does), for the collector's end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakehouse.crypto import open_image, read_encrypted
from lakehouse.intake import read_sealed_row
from lakehouse.keys import KeyStore
from lakehouse.layout import SEALED_ROW_EXT
from lakehouse.storage import Store


@dataclass
class LandedLake:
    """Rows per table, deduplicated by row id, and the images by capture id."""

    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    files: int = 0
    row_count: dict[str, int] = field(default_factory=dict)  # before deduplication

    def table(self, name: str) -> list[dict[str, Any]]:
        return sorted(self.rows.get(name, {}).values(), key=lambda r: (r["ts"], str(r)))


ROW_IDS = {"activity": "sample_id", "screenshots": "capture_id", "sessions": "event_id"}


def read_landing(store: Store, keys: KeyStore) -> LandedLake:
    lake = LandedLake()
    for path in store.find("landing"):
        table = path.split("/")[1]
        data = store.get_bytes(path)
        lake.files += 1
        if table == "images":
            capture_id = path.rsplit("/", 1)[1].split(".")[0]
            lake.images[capture_id] = open_image(data, keys, path)
            continue
        if path.endswith(f".{SEALED_ROW_EXT}"):  # a journaled row delivered on its own
            rows = read_sealed_row(data, path, table, keys).to_pylist()
        else:
            rows = read_encrypted(data, keys).to_pylist()
        lake.row_count[table] = lake.row_count.get(table, 0) + len(rows)
        for row in rows:
            lake.rows.setdefault(table, {})[row[ROW_IDS[table]]] = row
    return lake
