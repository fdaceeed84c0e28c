"""The curated area: deduplicated, sorted, encrypted Parquet per table, company and day.

    curated/<table>/company=<c>/date=<YYYY-MM-DD>/part-<run>-<n>.parquet

Rows are sorted by (user_id, ts) and written in large row groups, so a filter on a user or a
time range skips most of each file by its (encrypted) statistics, and a filter on company or
date skips whole folders. Files are encrypted with the company's current public key; readers
open them through the key store. Only compaction, retention and erasure write here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

from lakehouse.crypto.pme import write_encrypted
from lakehouse.keys import CompanyPublicKey
from lakehouse.schema import ROW_ID, UTC_TS
from lakehouse.storage import Store
from lakehouse.validation import schema_for

CURATED = "curated"
CURATED_TABLES = ("activity", "screenshots", "sessions")
# Per-user-per-day sums of activity, written beside each activity part (see lakehouse.rollups).
ROLLUP_SCHEMAS: dict[str, pa.Schema] = {
    "daily": pa.schema(
        [("company_id", pa.string()), ("user_id", pa.string())]
        + [(n, pa.float64()) for n in ("worked_seconds", "active_seconds", "idle_seconds")]
        + [("input_seconds", pa.float64())]
        + [(n, pa.int64()) for n in ("keystrokes", "clicks", "scrolls", "mouse_distance_px")]
        + [("first_seen_at", UTC_TS), ("last_seen_at", UTC_TS), ("samples", pa.int64())]
    ),
    "apps": pa.schema(
        [
            ("company_id", pa.string()),
            ("user_id", pa.string()),
            ("app", pa.string()),
            ("domain", pa.string()),
            ("active_seconds", pa.float64()),
            ("samples", pa.int64()),
        ]
    ),
    # Productivity rules may look at window titles: active time per title, for those.
    "titles": pa.schema(
        [(n, pa.string()) for n in ("company_id", "user_id", "app", "domain", "title")]
        + [("active_seconds", pa.float64())]
    ),
}
ALL_TABLES = CURATED_TABLES + tuple(ROLLUP_SCHEMAS)
ROW_GROUP_ROWS = 128 * 1024  # ~40 users' day per group: a one-user query reads one or two groups
SORT_KEYS = [("user_id", "ascending"), ("ts", "ascending")]


def table_schema(table_name: str) -> pa.Schema:
    """Return the schema of a curated table (a contract table or a rollup)."""
    if table_name in ROLLUP_SCHEMAS:
        return ROLLUP_SCHEMAS[table_name]
    return schema_for(table_name)


def _sort_keys(table_name: str) -> list[tuple[str, str]]:
    return SORT_KEYS if table_name in CURATED_TABLES else SORT_KEYS[:1]


def new_part_name() -> str:
    """Return a new, unique part file name."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"


def partition_prefix(table_name: str, company_id: str, day: dt.date) -> str:
    """Return the folder of one curated partition."""
    return f"{CURATED}/{table_name}/company={company_id}/date={day.isoformat()}"


def list_parts(store: Store, table_name: str, company_id: str, day: dt.date) -> list[str]:
    """Return the Parquet files of one curated partition."""
    prefix = partition_prefix(table_name, company_id, day)
    return [p for p in store.find(prefix) if p.endswith(".parquet")]


def partition_days(store: Store, table_name: str, company_id: str) -> list[dt.date]:
    """Return the days that have a curated partition for one company."""
    days = set()
    for path in store.find(f"{CURATED}/{table_name}/company={company_id}"):
        for part in path.split("/"):
            if part.startswith("date="):
                days.add(dt.date.fromisoformat(part[5:]))
    return sorted(days)


def read_parts(
    store: Store,
    paths: Iterable[str],
    table_name: str,
    decryption: pe.FileDecryptionProperties,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read and decrypt curated files into one table (only `columns`, if given)."""
    tables = [
        pq.ParquetFile(pa.BufferReader(store.get_bytes(p)), decryption_properties=decryption).read(
            columns=columns
        )
        for p in paths
    ]
    if not tables:
        target = table_schema(table_name)
        return target.empty_table().select(columns) if columns else target.empty_table()
    return pa.concat_tables(tables).combine_chunks()


def write_part(
    store: Store,
    table_name: str,
    company_id: str,
    day: dt.date,
    rows: pa.Table,
    public_key: CompanyPublicKey,
    name: str | None = None,
) -> str:
    """Sort `rows`, write them as one encrypted part of the partition and return its path."""
    target = table_schema(table_name)
    keys = _sort_keys(table_name)
    ordered = rows.select(target.names).cast(target).sort_by(keys)
    data = write_encrypted(
        ordered,
        public_key,
        compression="zstd",
        row_group_size=ROW_GROUP_ROWS,
        sorting_columns=pq.SortingColumn.from_ordering(target, keys),
    )
    name = name or new_part_name()
    path = f"{partition_prefix(table_name, company_id, day)}/{name}"
    store.put_bytes(path, data)
    return path


def split_by_day(rows: pa.Table) -> dict[dt.date, pa.Table]:
    """Split rows by the UTC date of their `ts` (curated partitions follow the data, not paths)."""
    if rows.num_rows == 0:
        return {}
    days = pc.cast(rows["ts"], pa.date32())
    result = {}
    for day in pc.unique(days).to_pylist():
        result[day] = rows.filter(pc.equal(days, pa.scalar(day, pa.date32())))
    return result


def drop_duplicates(rows: pa.Table, table_name: str) -> tuple[pa.Table, int]:
    """Keep the first row of each row id; return the rows and how many were dropped."""
    id_column = ROW_ID[table_name]
    if rows.num_rows == 0:
        return rows, 0
    index = pa.array(np.arange(rows.num_rows))
    firsts = (
        pa.table({"id": rows[id_column], "i": index})
        .group_by("id", use_threads=False)
        .aggregate([("i", "min")])["i_min"]
    )
    if len(firsts) == rows.num_rows:
        return rows, 0
    keep = np.sort(firsts.to_numpy())
    return rows.take(pa.array(keep)), rows.num_rows - len(keep)


def drop_known(rows: pa.Table, table_name: str, known_ids: pa.Array) -> tuple[pa.Table, int]:
    """Drop rows whose id is in `known_ids`; return the rows and how many were dropped."""
    if rows.num_rows == 0 or len(known_ids) == 0:
        return rows, 0
    seen = pc.is_in(rows[ROW_ID[table_name]], value_set=known_ids)
    kept = rows.filter(pc.invert(seen))
    return kept, rows.num_rows - kept.num_rows
