"""`teamtreck up`'s background work ends at its next file once `up` is stopping, and what was
cut short is done again by the next run (real lake folder, real key store, real compaction)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path

import pytest

from lakehouse import FileKeyStore, open_store
from lakehouse.keys import generate_company_key
from lakehouse.simulate import generate_day, write_day
from teamtreck.compactor import Compactor
from teamtreck.deployment import Deployment, fill_demo_lake
from teamtreck.stopping import StopAwareStore, Stopping

A_WEDNESDAY = dt.date(2026, 11, 4)


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A lake folder and a key store holding acme's key, set as `up` sets them."""
    key_dir = tmp_path / "keys"
    FileKeyStore(key_dir).save(generate_company_key("acme"))
    lake_url = (tmp_path / "lake").as_uri()
    monkeypatch.setenv("TEAMTRECK_HOME", str(tmp_path))
    monkeypatch.setenv("TEAMTRECK_LAKE_URL", lake_url)
    monkeypatch.setenv("TEAMTRECK_KEY_STORE_DIR", str(key_dir))
    return lake_url, key_dir


def landed_users(lake_url: str) -> set[str]:
    paths = open_store(lake_url).find("landing/activity")
    return {part for path in paths for part in path.split("/") if part.startswith("user=")}


def test_no_write_once_up_is_stopping(lake: tuple[str, Path]) -> None:
    stop = threading.Event()
    store = StopAwareStore(open_store(lake[0]), stop)
    store.put_bytes("landing/a.bin", b"before")
    stop.set()
    with pytest.raises(Stopping, match="teamtreck up is stopping"):
        store.put_bytes("landing/b.bin", b"after")
    assert open_store(lake[0]).find("landing") == ["landing/a.bin"]


def test_a_demo_day_being_written_ends_without_its_queued_people(lake: tuple[str, Path]) -> None:
    lake_url, key_dir = lake
    people = [uuid.uuid4().hex for _ in range(6)]
    day = generate_day("acme", people, A_WEDNESDAY)
    stop = threading.Event()
    store = StopAwareStore(open_store(lake_url), stop)
    public_key = FileKeyStore(key_dir).current_public_key("acme")
    with pytest.raises(Stopping):
        # Ctrl-C once the first person is written: two writers, so at most the next one or
        # two people have started; the rest never write a file.
        write_day(store, public_key, day, workers=2, progress=lambda _files: stop.set())
    assert 1 <= len(landed_users(lake_url)) < len(people)
    assert f"user={people[-1]}" not in landed_users(lake_url)


def test_the_fill_resumes_the_days_a_stop_cut_short(tmp_path: Path, lake: tuple[str, Path]) -> None:
    lake_url, key_dir = lake
    deployment = Deployment("acme", "admin@example.com", [uuid.uuid4().hex for _ in range(2)])

    def fill_one_more_day() -> list[str]:
        stop = threading.Event()
        fill_demo_lake(
            tmp_path, deployment, lake_url, {}, key_dir, Compactor(stop).run,
            lambda _line: stop.set(), stop,
        )  # fmt: skip
        return list(deployment.demo_days)

    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert fill_one_more_day() == [yesterday.isoformat()]
    assert Deployment.load(tmp_path) == deployment
    before = yesterday - dt.timedelta(days=1)
    assert fill_one_more_day() == [yesterday.isoformat(), before.isoformat()]
    assert open_store(lake_url).find("curated")  # each day was compacted by `lake compact`


def test_a_fill_asked_to_stop_writes_nothing(tmp_path: Path, lake: tuple[str, Path]) -> None:
    lake_url, key_dir = lake
    deployment = Deployment("acme", "admin@example.com", [uuid.uuid4().hex])
    stop = threading.Event()
    stop.set()
    fill_demo_lake(tmp_path, deployment, lake_url, {}, key_dir, Compactor(stop).run, print, stop)
    assert deployment.demo_days == []
    assert open_store(lake_url).find("landing") == []
