"""Compaction: many small landing files become few large curated files.

For each table, company and landing day, `compact` reads the files not yet in the ledger
(batches and sealed rows alike; several threads; pyarrow decrypts and decodes without the GIL),
refuses bad ones to quarantine with a reason, drops rows already seen (within the batch and in
the curated partition), sorts, writes one encrypted part per curated day, and records what it
ingested. A re-run does nothing new; a re-uploaded batch never counts twice; one bad file never
stops the good ones.

One compaction at a time per lake: it holds the lake's lease (`lakehouse.lease`).

Example::

    summary = compact(open_store(), FileKeyStore(teamtreck_home() / "keys"))
    print("\\n".join(summary.lines()))
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet.encryption as pe

from lakehouse import curated, ledger, rollups
from lakehouse.crypto.pme import decryption_properties
from lakehouse.errors import LayoutError
from lakehouse.intake import Intake, Limits, read_chunk
from lakehouse.keys import KeyStore
from lakehouse.layout import LandingKey, parse_landing_path
from lakehouse.lease import lake_lease
from lakehouse.quarantine import Reason, Refused, move_to_quarantine
from lakehouse.schema import ROW_ID
from lakehouse.storage import Store

log = logging.getLogger(__name__)

CHUNK_FILES = 400
MAX_PARTS = 4  # a partition with more parts is rewritten as one on its next write
Progress = Callable[[int, int], None]  # (files just done, files in this run)


@dataclass
class CompactionSummary:
    """What one compaction run did."""

    files_seen: int = 0
    files_already_ingested: int = 0
    files_ingested: int = 0
    rows_written: int = 0
    duplicates: int = 0
    partitions_written: int = 0
    quarantined: collections.Counter[str] = field(default_factory=collections.Counter)
    companies_without_keys: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Return the summary as lines for a terminal."""
        rate = self.files_ingested / self.seconds if self.seconds else 0.0
        out = [
            f"files: {self.files_seen} seen, {self.files_ingested} ingested, "
            f"{self.files_already_ingested} already ingested",
            f"rows: {self.rows_written} written, {self.duplicates} duplicates dropped",
            f"partitions written: {self.partitions_written}",
            f"quarantined: {sum(self.quarantined.values())}"
            + "".join(f", {reason} {n}" for reason, n in sorted(self.quarantined.items())),
            f"time: {self.seconds:.1f} s ({rate:.0f} files/s)",
        ]
        if self.companies_without_keys:
            skipped = ", ".join(self.companies_without_keys)
            out.append(f"skipped (no keys in the key store): {skipped}")
        return out


Groups = dict[tuple[str, str, dt.date], list[tuple[str, LandingKey]]]


def _group_landing(store: Store, tables: Iterable[str], refused: list[Refused]) -> Groups:
    groups: Groups = collections.defaultdict(list)
    for table in tables:
        for path in store.find(f"landing/{table}"):
            try:
                key = parse_landing_path(path)
            except LayoutError as e:
                refused.append(Refused(path, Reason.BAD_PATH, str(e)))
                continue
            groups[(table, key.company_id, key.day)].append((path, key))
    return groups


@dataclass
class _Run:
    store: Store
    key_store: KeyStore
    decryption: pe.FileDecryptionProperties
    limits: Limits
    now: dt.datetime
    pool: ThreadPoolExecutor
    summary: CompactionSummary
    progress: Progress

    def advance(self, files: int) -> None:
        self.progress(files, self.summary.files_seen)


def _read_group(run: _Run, table: str, todo: list[tuple[str, LandingKey]]) -> Intake:
    chunks = [todo[i : i + CHUNK_FILES] for i in range(0, len(todo), CHUNK_FILES)]

    def read(chunk: list[tuple[str, LandingKey]]) -> Intake:
        return read_chunk(
            run.store, table, chunk, run.decryption, run.limits, run.now, run.key_store
        )

    rows, accepted, refused = [], [], []
    for intake in run.pool.map(read, chunks):
        rows.append(intake.rows)
        accepted += intake.accepted
        refused += intake.refused
        run.advance(len(intake.accepted) + len(intake.refused))
    return Intake(pa.concat_tables(rows).combine_chunks(), accepted, refused)


def _existing(run: _Run, table: str, parts: list[str]) -> tuple[pa.Table, bool, bool]:
    """Return the partition's rows (ids only unless merging), whether to merge, whether to heal.

    A partition with too many parts is merged. One whose parts share ids is healed by a merge:
    that happens only when an earlier merge died between writing its result and deleting its
    inputs.
    """
    merge = len(parts) >= MAX_PARTS
    columns = None if merge else [ROW_ID[table]]
    old = curated.read_parts(run.store, parts, table, run.decryption, columns)
    heal = not merge and pc.count_distinct(old[ROW_ID[table]]).as_py() < old.num_rows
    if heal:
        old = curated.read_parts(run.store, parts, table, run.decryption)
    return old, merge or heal, heal


def _write_day(run: _Run, table: str, company: str, day: dt.date, rows: pa.Table) -> None:
    public_key = run.key_store.current_public_key(company)
    if table == "activity":
        parts = rollups.repair(run.store, company, day, public_key, run.decryption)
    else:
        parts = curated.list_parts(run.store, table, company, day)
    old, merge, heal = _existing(run, table, parts)
    rows, known = curated.drop_known(rows, table, old[ROW_ID[table]])
    run.summary.duplicates += known
    if rows.num_rows == 0 and not heal:
        return
    run.summary.rows_written += rows.num_rows
    if merge:
        rows, _ = curated.drop_duplicates(pa.concat_tables([old, rows.cast(old.schema)]), table)
    replaced = parts if merge else []
    if table == "activity":
        rollups.write_activity_part(run.store, company, day, rows, public_key, replaced)
    else:
        curated.write_part(run.store, table, company, day, rows, public_key)
        run.store.delete(replaced)
    run.summary.partitions_written += 1


def _compact_group(
    run: _Run, table: str, company: str, day: dt.date, files: list[tuple[str, LandingKey]]
) -> list[Refused]:
    done = ledger.read_ingested(run.store, table, company, day)
    todo = [(p, k) for p, k in files if p not in done]
    run.summary.files_already_ingested += len(files) - len(todo)
    run.advance(len(files) - len(todo))
    if not todo:
        return []
    intake = _read_group(run, table, todo)
    rows, duplicates = curated.drop_duplicates(intake.rows, table)
    run.summary.duplicates += duplicates
    for row_day, day_rows in sorted(curated.split_by_day(rows).items()):
        _write_day(run, table, company, row_day, day_rows)
    ledger.record_ingested(run.store, table, company, day, intake.accepted, run.now)
    run.summary.files_ingested += len(intake.accepted)
    return intake.refused


def compact(
    store: Store,
    key_store: KeyStore,
    *,
    tables: Iterable[str] = curated.CURATED_TABLES,
    company_ids: Iterable[str] | None = None,
    limits: Limits | None = None,
    workers: int = 2,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> CompactionSummary:
    """Compact every new landing file of `tables` (optionally only some companies).

    Holds the lake's lease for the whole run: a second compaction (or an erasure or purge)
    meanwhile stops with `LeaseHeldError` instead of writing the same rows twice.
    """
    with lake_lease(store, "compaction"):
        return _compact(store, key_store, tables, company_ids, limits, workers, progress, now)


def _compact(
    store: Store,
    key_store: KeyStore,
    tables: Iterable[str],
    company_ids: Iterable[str] | None,
    limits: Limits | None,
    workers: int,
    progress: Progress | None,
    now: dt.datetime | None,
) -> CompactionSummary:
    started = time.perf_counter()
    summary = CompactionSummary()
    refused: list[Refused] = []
    groups = _group_landing(store, tables, refused)
    if company_ids is not None:
        wanted = set(company_ids)
        groups = {key: files for key, files in groups.items() if key[1] in wanted}
    summary.files_seen = sum(len(f) for f in groups.values()) + len(refused)
    # Without a company's keys nothing of it can be read: leave it in landing, don't quarantine.
    with_keys = set(key_store.companies())
    summary.companies_without_keys = sorted({c for _, c, _ in groups if c not in with_keys})
    with ThreadPoolExecutor(max(1, workers)) as pool:
        run = _Run(
            store,
            key_store,
            decryption_properties(key_store),
            limits or Limits(),
            now or dt.datetime.now(dt.UTC),
            pool,
            summary,
            progress or (lambda _done, _total: None),
        )
        for (table, company, day), files in sorted(groups.items()):
            if company in with_keys:
                refused += _compact_group(run, table, company, day, files)
    for item in refused:
        move_to_quarantine(store, item, run.now)
        summary.quarantined[str(item.reason)] += 1
    summary.seconds = time.perf_counter() - started
    log.info("compaction: %s", "; ".join(summary.lines()))
    return summary
