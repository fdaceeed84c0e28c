"""The title rollups: productivity rules that match window titles, without reading every sample."""

from __future__ import annotations

import datetime as dt
import posixpath

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse import rollups
from lakehouse.categories import Category, ProductivityRules, Rule, category_usage
from lakehouse.compaction import compact
from lakehouse.crypto.pme import decryption_properties
from lakehouse.curated import list_parts, read_parts
from lakehouse.engine import Lake, connect, connect_tables
from lakehouse.erasure import erase_user, find_remains
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.metrics import ACTIVE
from lakehouse.retention import purge
from lakehouse.simulate import generate_day, user_ids
from lakehouse.storage import Store
from tests.lakehouse.landing import DAY, SHORT_DAY, write_simulated

END = DAY + dt.timedelta(days=1)
TEAMS = {"user-0001": "dev"}
RULES = ProductivityRules(
    rules=[
        Rule(category=Category.UNPRODUCTIVE, title_pattern="youtube|reddit"),
        Rule(
            category=Category.PRODUCTIVE, title_pattern=r"^test_.*\.py"
        ),  # before the app rule: wins
        Rule(category=Category.NEUTRAL, app="code"),
        Rule(category=Category.PRODUCTIVE, title_pattern="slack", team_id="dev"),
        Rule(category=Category.PRODUCTIVE, domain="github.com"),
    ]
)


def _answer(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    rows = category_usage(con, RULES, "acme", DAY, END, teams=TEAMS).fetchall()
    return [(*r[:-1], round(r[-1], 6)) for r in rows]


def _from_samples(activity: pa.Table) -> list[tuple[object, ...]]:
    """The answer computed from the samples themselves (no stored rollups)."""
    return _answer(connect_tables({"activity": activity}))


def _activity(store: Store, key_store: FileKeyStore) -> pa.Table:
    parts = list_parts(store, "activity", "acme", DAY)
    return read_parts(store, parts, "activity", decryption_properties(key_store))


def _names(store: Store, table: str) -> set[str]:
    return {posixpath.basename(p) for p in list_parts(store, table, "acme", DAY)}


def test_title_rules_read_the_title_rollups_and_agree_with_the_samples(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    write_simulated(lake_store, company_pair.public, users=3)
    compact(lake_store, key_store)
    activity = _activity(lake_store, key_store)

    assert _names(lake_store, "titles") == _names(lake_store, "activity")
    stored = read_parts(
        lake_store,
        list_parts(lake_store, "titles", "acme", DAY),
        "titles",
        decryption_properties(key_store),
    )
    assert stored.num_rows < activity.num_rows / 10  # a few rows per person, app and title
    con = connect(lake=Lake(lake_store, key_store))
    direct = con.sql(f"SELECT sum({ACTIVE}) FROM activity").fetchall()[0][0]
    assert round(pc.sum(stored["active_seconds"]).as_py(), 6) == round(direct, 6)
    answer = _answer(con)
    assert answer == _from_samples(activity)
    assert {category for _, _, category, _ in answer} == {"productive", "neutral", "unproductive"}


def test_parts_without_title_rollups_are_summed_from_their_samples_until_compaction_adds_them(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    # A partition written before title rollups existed, beside a part written after.
    data = generate_day("acme", user_ids(4), DAY, 3, SHORT_DAY).activity
    users = pc.field("user_id")
    old = data.filter(pc.is_in(users, pa.array(["user-0001", "user-0002"])))
    new = data.filter(pc.is_in(users, pa.array(["user-0003", "user-0004"])))
    old_part = rollups.write_activity_part(lake_store, "acme", DAY, old, company_pair.public)
    rollups.write_activity_part(lake_store, "acme", DAY, new, company_pair.public)
    lake_store.delete([old_part.replace("/activity/", "/titles/", 1)])
    assert len(_names(lake_store, "titles")) == 1

    lake = Lake(lake_store, key_store)
    assert _answer(connect(lake=lake)) == _from_samples(data)

    # Compaction touching the partition gives the old part its title rollups.
    write_simulated(lake_store, company_pair.public, users=2, seed=5)
    compact(lake_store, key_store)

    assert _names(lake_store, "titles") == _names(lake_store, "activity")
    everything = _activity(lake_store, key_store)
    assert everything.num_rows > data.num_rows
    assert _answer(connect(lake=lake)) == _from_samples(everything)


def test_an_erased_person_leaves_nothing_in_the_title_rollups(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    gone, stays = "user-0002", "user-0001"
    write_simulated(lake_store, company_pair.public, users=3)
    write_simulated(lake_store, company_pair.public, users=3, day=DAY - dt.timedelta(days=1))
    compact(lake_store, key_store)
    # One day as a lake written before title rollups existed: erasure must cover it too.
    older = list_parts(lake_store, "titles", "acme", DAY - dt.timedelta(days=1))
    lake_store.delete(older)

    erase_user(lake_store, key_store, "acme", gone)

    assert find_remains(lake_store, key_store, "acme", gone) == []
    decryption = decryption_properties(key_store)
    for day in (DAY, DAY - dt.timedelta(days=1)):
        parts = list_parts(lake_store, "titles", "acme", day)
        assert parts
        titled = set(read_parts(lake_store, parts, "titles", decryption)["user_id"].to_pylist())
        assert gone not in titled
        assert stays in titled


def test_retention_purges_the_title_rollups(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    write_simulated(lake_store, company_pair.public, users=1)
    compact(lake_store, key_store)
    assert lake_store.find("curated/titles")

    purge(lake_store, today=DAY + dt.timedelta(days=91))

    assert lake_store.find("curated/titles") == []
    assert lake_store.find("curated") == []


def test_pair_all_gives_every_old_day_its_title_rollups(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    before = DAY - dt.timedelta(days=1)
    write_simulated(lake_store, company_pair.public, users=2)
    write_simulated(lake_store, company_pair.public, users=2, day=before)
    compact(lake_store, key_store)
    lake_store.delete(lake_store.find("curated/titles"))  # a lake from before title rollups
    lake = Lake(lake_store, key_store)
    expected = _answer(connect(lake=lake))

    assert rollups.pair_all(lake_store, key_store, "acme") == 2

    for day in (DAY, before):
        titled = {posixpath.basename(p) for p in list_parts(lake_store, "titles", "acme", day)}
        assert titled == {
            posixpath.basename(p) for p in list_parts(lake_store, "activity", "acme", day)
        }
        assert titled
    assert _answer(connect(lake=lake)) == expected
