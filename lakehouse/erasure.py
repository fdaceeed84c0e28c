"""Erasing one person: every row and image of theirs leaves the lake, verifiably.

`erase_user` deletes their landing objects (batches and sealed images) and quarantined objects,
rewrites each curated partition that holds their rows without them (a new encrypted part, then
the old parts are deleted), and drops their paths from the compaction ledger. `find_remains`
looks everywhere again and lists anything left; it is what the CLI and the tests check.

Example::

    report = erase_user(open_store(), key_store, "acme", "user-0042")
    assert not find_remains(open_store(), key_store, "acme", "user-0042")
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
from dataclasses import dataclass, field

import pyarrow.compute as pc
import pyarrow.parquet.encryption as pe

from lakehouse import curated, ledger, rollups
from lakehouse.crypto.pme import decryption_properties
from lakehouse.keys import KeyStore
from lakehouse.layout import LANDING_TABLES, check_id
from lakehouse.lease import LEASE_WAIT_SECONDS, lake_lease
from lakehouse.quarantine import QUARANTINE
from lakehouse.storage import Store

log = logging.getLogger(__name__)


@dataclass
class ErasureReport:
    """What `erase_user` removed."""

    company_id: str
    user_id: str
    rows_removed: collections.Counter[str] = field(default_factory=collections.Counter)
    objects_removed: collections.Counter[str] = field(default_factory=collections.Counter)
    partitions_rewritten: int = 0

    def lines(self) -> list[str]:
        """Return the report as lines for a terminal."""
        out = [f"erased user {self.user_id} of company {self.company_id}"]
        out += [f"  {n} {table} rows removed" for table, n in sorted(self.rows_removed.items())]
        out += [f"  {n} {area} objects deleted" for area, n in sorted(self.objects_removed.items())]
        out.append(f"  {self.partitions_rewritten} curated partitions rewritten")
        return out


def _user_objects(store: Store, company_id: str, user_id: str) -> dict[str, list[str]]:
    marker = f"/company={company_id}/user={user_id}/"
    found = {
        f"landing/{table}": store.find(f"landing/{table}/company={company_id}/user={user_id}")
        for table in LANDING_TABLES
    }
    found[QUARANTINE] = [p for p in store.find(QUARANTINE) if marker in p]
    return found


def _rewrite_partition(
    store: Store,
    key_store: KeyStore,
    table: str,
    company_id: str,
    user_id: str,
    day: dt.date,
    decryption: pe.FileDecryptionProperties,
) -> int:
    parts = curated.list_parts(store, table, company_id, day)
    users = curated.read_parts(store, parts, table, decryption, ["user_id"])["user_id"]
    removed = int(pc.sum(pc.equal(users, user_id)).as_py() or 0)
    if not removed:
        return 0
    rows = curated.read_parts(store, parts, table, decryption)
    kept = rows.filter(pc.not_equal(rows["user_id"], user_id))
    public_key = key_store.current_public_key(company_id)
    if table == "activity" and kept.num_rows:
        rollups.write_activity_part(store, company_id, day, kept, public_key, replaces=parts)
    elif table == "activity":
        rollups.delete_activity_parts(store, parts)
    else:
        if kept.num_rows:
            curated.write_part(store, table, company_id, day, kept, public_key)
        store.delete(parts)
    return removed


def erase_user(
    store: Store,
    key_store: KeyStore,
    company_id: str,
    user_id: str,
    *,
    wait_seconds: float = LEASE_WAIT_SECONDS,
) -> ErasureReport:
    """Remove every row and image of one person from the lake; return what was removed.

    Holds the lake's lease (a compaction running meanwhile could write their rows back), waiting
    up to `wait_seconds` for a running job to finish.
    """
    check_id(company_id, "company id")
    check_id(user_id, "user id")
    with lake_lease(store, "erasure", wait_seconds=wait_seconds):
        return _erase(store, key_store, company_id, user_id)


def _erase(store: Store, key_store: KeyStore, company_id: str, user_id: str) -> ErasureReport:
    report = ErasureReport(company_id, user_id)
    for area, paths in _user_objects(store, company_id, user_id).items():
        store.delete(paths)
        if paths:
            report.objects_removed[area] += len(paths)
    decryption = decryption_properties(key_store)
    for table in curated.CURATED_TABLES:
        for day in curated.partition_days(store, table, company_id):
            removed = _rewrite_partition(
                store, key_store, table, company_id, user_id, day, decryption
            )
            if removed:
                report.rows_removed[table] += removed
                report.partitions_rewritten += 1
    days = {d for r in rollups.ROLLUPS for d in curated.partition_days(store, r, company_id)}
    for day in sorted(days):  # rollups left without their activity part (a crash) go too
        rollups.repair(store, company_id, day, key_store.current_public_key(company_id), decryption)
    forgotten = ledger.forget_user(store, company_id, user_id)
    if forgotten:
        report.objects_removed["ledger entries"] += forgotten
    log.info("erased user %s of company %s", user_id, company_id)
    return report


def find_remains(store: Store, key_store: KeyStore, company_id: str, user_id: str) -> list[str]:
    """Return every trace of the person still in the lake (empty after a complete erasure)."""
    remains = [p for paths in _user_objects(store, company_id, user_id).values() for p in paths]
    marker = f"/company={company_id}/user={user_id}/"
    for path in store.find(ledger.LEDGER):
        if f"/company={company_id}/" in path and marker in "\n".join(
            ledger.read_paths(store, path)
        ):
            remains.append(path)
    decryption = decryption_properties(key_store)
    for table in curated.ALL_TABLES:
        for day in curated.partition_days(store, table, company_id):
            parts = curated.list_parts(store, table, company_id, day)
            users = curated.read_parts(store, parts, table, decryption, ["user_id"])["user_id"]
            if pc.any(pc.equal(users, user_id)).as_py():
                remains.append(curated.partition_prefix(table, company_id, day))
    return remains
