"""Erasing one person removes every row and image of theirs, and only theirs."""

from __future__ import annotations

import pyarrow.compute as pc

from lakehouse.compaction import compact
from lakehouse.crypto.pme import decryption_properties
from lakehouse.curated import CURATED_TABLES, list_parts, read_parts
from lakehouse.erasure import erase_user, find_remains
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.storage import Store
from tests.lakehouse.landing import DAY, write_simulated

GONE, STAYS = "user-0002", "user-0001"


def _curated_users(store: Store, key_store: FileKeyStore, table: str) -> list[str]:
    parts = list_parts(store, table, "acme", DAY)
    rows = read_parts(store, parts, table, decryption_properties(key_store), ["user_id"])
    return sorted(set(rows["user_id"].to_pylist()))


def test_nothing_of_an_erased_person_remains_anywhere(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    report = write_simulated(lake_store, company_pair.public, users=3)
    compact(lake_store, key_store)
    # Some of their data is still waiting in landing (not compacted yet) and some in quarantine.
    write_simulated(lake_store, company_pair.public, users=3, day=DAY.replace(day=1))
    lake_store.put_bytes(
        f"quarantine/landing/activity/company=acme/user={GONE}/date={DAY}/bad.parquet", b"x"
    )
    assert find_remains(lake_store, key_store, "acme", GONE)

    erased = erase_user(lake_store, key_store, "acme", GONE)

    assert find_remains(lake_store, key_store, "acme", GONE) == []
    everything = "\n".join(lake_store.find(""))
    assert f"user={GONE}" not in everything
    for table in CURATED_TABLES:
        assert GONE not in _curated_users(lake_store, key_store, table)
        assert STAYS in _curated_users(lake_store, key_store, table)
    assert erased.rows_removed["activity"] == report.rows["activity"] // 3
    assert erased.objects_removed["landing/images"] > 0
    assert erased.objects_removed["quarantine"] == 1
    assert erased.partitions_rewritten == 3
    assert "erased user user-0002 of company acme" in erased.lines()[0]


def test_others_keep_every_row(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    write_simulated(lake_store, company_pair.public, users=2)
    compact(lake_store, key_store)
    parts = list_parts(lake_store, "activity", "acme", DAY)
    before = read_parts(lake_store, parts, "activity", decryption_properties(key_store))

    erase_user(lake_store, key_store, "acme", GONE)

    parts = list_parts(lake_store, "activity", "acme", DAY)
    after = read_parts(lake_store, parts, "activity", decryption_properties(key_store))
    kept = before.filter(pc.equal(before["user_id"], STAYS))
    assert after.sort_by("sample_id").equals(kept.sort_by("sample_id"))
