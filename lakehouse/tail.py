"""The landing tail: rows that arrived since the last compaction (`connect(include_landing=True)`).

The tail is read the way compaction reads (same checks; bad files are skipped here and left for
compaction to quarantine), minus files the ledger says are ingested and minus rows already in the
curated partitions, so a view over curated data plus the tail counts every row once.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet.encryption as pe

from lakehouse import curated, ledger
from lakehouse.crypto.pme import decryption_properties
from lakehouse.errors import LayoutError
from lakehouse.intake import Limits, read_chunk
from lakehouse.layout import LandingKey, check_id, parse_landing_path
from lakehouse.schema import ROW_ID
from lakehouse.validation import schema_for

if TYPE_CHECKING:
    from lakehouse.engine import Lake


def _pending(
    lake: Lake, table_name: str, company_id: str | None
) -> dict[tuple[str, dt.date], list[tuple[str, LandingKey]]]:
    prefix = f"landing/{table_name}"
    if company_id is not None:
        prefix += f"/company={check_id(company_id, 'company id')}"
    groups: dict[tuple[str, dt.date], list[tuple[str, LandingKey]]] = collections.defaultdict(list)
    for path in lake.store.find(prefix):
        try:
            key = parse_landing_path(path)
        except LayoutError:
            continue
        groups[(key.company_id, key.day)].append((path, key))
    for (company, day), files in list(groups.items()):
        done = ledger.read_ingested(lake.store, table_name, company, day)
        groups[(company, day)] = [(p, k) for p, k in files if p not in done]
    return groups


def pending_rows(lake: Lake, table_name: str, company_id: str | None = None) -> pa.Table:
    """Return the valid, not yet compacted rows of a table, with `company` and `date` columns."""
    decryption = decryption_properties(lake.key_store)
    now = dt.datetime.now(dt.UTC)
    found = [schema_for(table_name).empty_table()]
    for (company, _day), files in sorted(_pending(lake, table_name, company_id).items()):
        if company not in lake.key_store.companies():
            continue
        rows = read_chunk(
            lake.store, table_name, files, decryption, Limits(), now, lake.key_store
        ).rows
        found += _unknown(lake, table_name, company, rows, decryption)
    rows, _ = curated.drop_duplicates(pa.concat_tables(found).combine_chunks(), table_name)
    return rows.append_column("company", rows["company_id"]).append_column(
        "date", pc.cast(rows["ts"], pa.date32())
    )


def _unknown(
    lake: Lake,
    table_name: str,
    company: str,
    rows: pa.Table,
    decryption: pe.FileDecryptionProperties,
) -> list[pa.Table]:
    kept = []
    for day, day_rows in curated.split_by_day(rows).items():
        parts = curated.list_parts(lake.store, table_name, company, day)
        known = curated.read_parts(lake.store, parts, table_name, decryption, [ROW_ID[table_name]])
        kept.append(curated.drop_known(day_rows, table_name, known[ROW_ID[table_name]])[0])
    return kept


def union_sql(table_name: str, curated_sql: str, landing_sql: str) -> str:
    """Return the SQL of a view over curated rows plus the tail."""
    return f"{curated_sql} UNION ALL BY NAME {landing_sql}"
