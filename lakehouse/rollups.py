"""Rollups: per-user-per-day sums kept beside each curated activity part.

Each activity part ``curated/activity/company=c/date=d/<part>`` has three companions with the
same file name: ``curated/daily/…/<part>`` (worked/active/idle/input seconds, input counts,
first/last seen, samples per user), ``curated/apps/…/<part>`` (active seconds per user, app and
domain) and ``curated/titles/…/<part>`` (active seconds per user, app, domain and window title,
for productivity rules that match titles). All are computed with the metric SQL of
`lakehouse.metrics`, so a dashboard summing 30 days of 1,000 people reads thousands of rows
instead of millions. All sums are additive, so views add them up across parts.

`write_activity_part` is the only way activity parts are written (compaction, erasure), and
`repair` restores the pairing after a crash between the writes, or for parts written before a
rollup existed: a part without a rollup gets it; rollups without their part are deleted.
Until then, readers sum an unpaired part's samples themselves (`lakehouse.engine`);
`pair_all` repairs every partition of a company at once (days compaction no longer touches).
"""

from __future__ import annotations

import datetime as dt
import posixpath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet.encryption as pe

from lakehouse import curated
from lakehouse.crypto.pme import decryption_properties
from lakehouse.keys import CompanyPublicKey, KeyStore
from lakehouse.lease import LEASE_WAIT_SECONDS, lake_lease
from lakehouse.metrics import APP_PARTS_SQL, DAILY_PARTS_SQL, TITLE_PARTS_SQL
from lakehouse.storage import Store

ROLLUPS = {"daily": DAILY_PARTS_SQL, "apps": APP_PARTS_SQL, "titles": TITLE_PARTS_SQL}


def compute(rows: pa.Table) -> dict[str, pa.Table]:
    """Return the rollups of activity rows (one day's), by rollup table name."""
    import duckdb

    samples = rows.append_column("day", pc.cast(rows["ts"], pa.date32()))
    con = duckdb.connect()
    con.register("samples", samples)
    result = {}
    for name, sql in ROLLUPS.items():
        table = con.sql(sql.format(source="samples")).to_arrow_table()
        result[name] = table.drop_columns(["day"])
    con.close()
    return result


def _companion(part_path: str, rollup: str) -> str:
    folder, name = posixpath.split(part_path)
    return f"{folder.replace('/activity/', f'/{rollup}/', 1)}/{name}"


def write_activity_part(
    store: Store,
    company_id: str,
    day: dt.date,
    rows: pa.Table,
    public_key: CompanyPublicKey,
    replaces: list[str] | None = None,
) -> str:
    """Write an activity part and its rollups; then delete the parts it `replaces` (and theirs)."""
    name = curated.new_part_name()
    for rollup, table in compute(rows).items():
        curated.write_part(store, rollup, company_id, day, table, public_key, name)
    path = curated.write_part(store, "activity", company_id, day, rows, public_key, name)
    delete_activity_parts(store, replaces or [])
    return path


def delete_activity_parts(store: Store, parts: list[str]) -> None:
    """Delete activity parts and their rollups."""
    store.delete(parts + [_companion(p, r) for p in parts for r in ROLLUPS])


def repair(
    store: Store,
    company_id: str,
    day: dt.date,
    public_key: CompanyPublicKey,
    decryption: pe.FileDecryptionProperties,
) -> list[str]:
    """Pair every activity part of a partition with its rollups; return the activity parts."""
    parts = curated.list_parts(store, "activity", company_id, day)
    names = {posixpath.basename(p) for p in parts}
    missing: dict[str, list[str]] = {}  # activity part -> the rollups it lacks
    for rollup in ROLLUPS:
        existing = curated.list_parts(store, rollup, company_id, day)
        store.delete([p for p in existing if posixpath.basename(p) not in names])
        have = {posixpath.basename(p) for p in existing}
        for part in (p for p in parts if posixpath.basename(p) not in have):
            missing.setdefault(part, []).append(rollup)
    for part, lacking in missing.items():  # each part is read once, whatever it lacks
        rows = curated.read_parts(store, [part], "activity", decryption)
        tables = compute(rows)
        for rollup in lacking:
            curated.write_part(
                store, rollup, company_id, day, tables[rollup], public_key, posixpath.basename(part)
            )
    return parts


def pair_all(
    store: Store, key_store: KeyStore, company_id: str, *, wait_seconds: float = LEASE_WAIT_SECONDS
) -> int:
    """`repair` every activity partition of a company; return how many there are.

    For a lake written before a rollup existed: its old days get the rollup now rather than
    being summed from their samples on every read. Holds the lake's lease (it writes curated
    parts), waiting up to `wait_seconds` for a running job to finish.
    """
    with lake_lease(store, "rollups", wait_seconds=wait_seconds):
        public_key = key_store.current_public_key(company_id)
        decryption = decryption_properties(key_store)
        days = curated.partition_days(store, "activity", company_id)
        for day in days:
            repair(store, company_id, day, public_key, decryption)
    return len(days)
