"""After a fleet load: was anything lost?

1. Objects in the bucket, per landing table: at least the PUTs S3 acknowledged, at most the PUTs
   started (a PUT cut off at the end of the run may have been stored without its answer).
2. Compaction of the bucket ingests every Parquet object, quarantines none, drops no duplicate.
3. The curated tables, read back through `lakehouse.connect`, hold every row acknowledged and no
   more than the rows sent. When every PUT was answered, both are exact equalities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from load_servers import ADMIN_CREDENTIALS, REGION, ApiServer, S3Endpoint
from load_traffic import Tally

# Imported now, not when the check runs minutes later: a working tree edited meanwhile must
# not change the code that checks this run.
from lakehouse import metrics, tail  # noqa: F401 (imported by connect)
from lakehouse.compaction import CompactionSummary, compact
from lakehouse.engine import connect, open_lake
from lakehouse.keys import FileKeyStore

PARQUET_TABLES = ("activity", "screenshots")


@dataclass
class Verdict:
    objects_in_bucket: Counter[str] = field(default_factory=Counter)
    curated_rows: Counter[str] = field(default_factory=Counter)
    compaction: CompactionSummary = field(default_factory=CompactionSummary)
    problems: list[str] = field(default_factory=list)

    @property
    def nothing_lost(self) -> bool:
        return not self.problems


def count_objects(s3: S3Endpoint, prefix: str) -> Counter[str]:
    """Objects under `<prefix>landing/`, by table."""
    client: Any = s3.client()
    counts: Counter[str] = Counter()
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=s3.bucket, Prefix=f"{prefix}landing/"
    )
    for page in pages:
        for item in page.get("Contents", []):
            counts[item["Key"][len(prefix) :].split("/")[1]] += 1
    return counts


def storage_options(s3: S3Endpoint) -> dict[str, str]:
    return {
        "endpoint_url": s3.url,
        "key": ADMIN_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "secret": ADMIN_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region": REGION,
    }


def curated_rows(api: ApiServer, s3: S3Endpoint) -> Counter[str]:
    lake = open_lake(api.lake_url, FileKeyStore(api.home / "keys"), **storage_options(s3))
    con = connect(lake=lake, company_id=api.company_id)
    try:
        counts: Counter[str] = Counter()
        for table in PARQUET_TABLES:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()


def verify(api: ApiServer, s3: S3Endpoint, tally: Tally) -> Verdict:
    """Count, compact, read back; every mismatch (or failure to check) is a line in `problems`."""
    verdict = Verdict()
    try:
        check(api, s3, tally, verdict)
    except Exception as e:  # a failed check must not lose the load's figures
        verdict.problems.append(f"could not verify: {type(e).__name__}: {e}")
    return verdict


def check(api: ApiServer, s3: S3Endpoint, tally: Tally, verdict: Verdict) -> None:
    verdict.objects_in_bucket = count_objects(s3, "lake/")
    for table in sorted(set(tally.objects_attempted) | set(verdict.objects_in_bucket)):
        acked, tried = tally.objects_acknowledged[table], tally.objects_attempted[table]
        found = verdict.objects_in_bucket[table]
        if not acked <= found <= tried:
            verdict.problems.append(
                f"{table}: {found} objects, {acked} uploads acknowledged of {tried} started"
            )
    lake = open_lake(api.lake_url, FileKeyStore(api.home / "keys"), **storage_options(s3))
    summary = verdict.compaction = compact(lake.store, lake.key_store)
    parquet_objects = sum(verdict.objects_in_bucket[t] for t in PARQUET_TABLES)
    if summary.files_ingested != parquet_objects:
        verdict.problems.append(
            f"compaction ingested {summary.files_ingested} of {parquet_objects} files"
        )
    if summary.quarantined or summary.duplicates:
        verdict.problems.append(
            f"compaction quarantined {dict(summary.quarantined)}, "
            f"dropped {summary.duplicates} duplicates"
        )
    verdict.curated_rows = curated_rows(api, s3)
    for table in PARQUET_TABLES:
        acked, tried = tally.rows_acknowledged[table], tally.rows_attempted[table]
        found = verdict.curated_rows[table]
        if not acked <= found <= tried:
            verdict.problems.append(
                f"{table}: {found} rows curated, {acked} acknowledged of {tried} sent"
            )
