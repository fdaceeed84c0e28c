"""The simulator: realistic, deterministic landing data written as collectors write it."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow.compute as pc
import pytest
from PIL import Image

from lakehouse.crypto import open_image, read_encrypted
from lakehouse.errors import MissingKeyError
from lakehouse.keys import CompanyKeyPair, FileKeyStore, MemoryKeyStore
from lakehouse.layout import parse_landing_path
from lakehouse.simulate import Workday, generate_day, simulate, user_ids
from lakehouse.storage import Store
from lakehouse.validation import validate_table

DAY = dt.date(2026, 11, 2)


def test_the_same_seed_gives_the_same_data() -> None:
    first = generate_day("acme", user_ids(3), DAY, seed=5)
    again = generate_day("acme", user_ids(3), DAY, seed=5)
    other = generate_day("acme", user_ids(3), DAY, seed=6)
    assert first.activity.equals(again.activity)
    assert first.sessions.equals(again.sessions)
    assert first.images == again.images
    assert not first.activity.equals(other.activity)


def test_a_simulated_day_looks_like_work() -> None:
    data = generate_day("acme", user_ids(4), DAY, seed=1)
    activity = data.activity

    for table in ("activity", "screenshots", "sessions"):
        validate_table(table, getattr(data, table), now=dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
    assert activity.num_rows == 4 * 2880  # 8 hours of 10-second samples each
    assert pc.count_distinct(activity["sample_id"]).as_py() == activity.num_rows
    idle = pc.mean(pc.equal(activity["status"], "idle")).as_py()
    assert 0.05 < idle < 0.25
    assert pc.count_distinct(activity["app"]).as_py() >= 8
    assert pc.count_distinct(activity["domain"]).as_py() >= 5
    assert pc.count_distinct(activity["title"]).as_py() >= 15
    kinds = data.sessions.filter(pc.equal(data.sessions["user_id"], "user-0001"))["kind"]
    assert kinds[0].as_py() == "start"
    assert kinds[-1].as_py() == "end"
    assert {"pause", "resume", "idle_start", "idle_end"} <= set(kinds.to_pylist())
    assert data.screenshots.num_rows > 0
    image = Image.open(io.BytesIO(next(iter(data.images.values()))))
    assert image.format == "JPEG"


def test_robots_click_like_machines() -> None:
    data = generate_day("acme", user_ids(2), DAY, seed=1, work=Workday(robot_users=1))
    robot = data.activity.filter(pc.equal(data.activity["user_id"], "user-0002"))
    assert pc.unique(robot["clicks"]).to_pylist() == [3]
    assert pc.max(robot["keystrokes"]).as_py() == 0
    assert pc.unique(robot["status"]).to_pylist() == ["active"]


def test_simulate_writes_landing_files_only_the_key_store_can_read(
    lake_store: Store, company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    work = Workday(workday_seconds=1200, screenshots_per_hour=3)
    report = simulate(
        lake_store, company_pair.public, users=2, days=2, start_day=DAY, seed=1, work=work
    )

    batches = lake_store.find("landing/activity")
    assert len(batches) == 2 * 2 * 10  # people x days x two-minute batches
    assert report.rows["activity"] == 2 * 2 * 120
    assert report.files == len(lake_store.find("landing")) - report.images
    key = parse_landing_path(batches[0])
    rows = read_encrypted(lake_store.get_bytes(batches[0]), key_store)
    assert rows.num_rows == 12
    assert set(rows["user_id"].to_pylist()) == {key.user_id}
    with pytest.raises(MissingKeyError):
        read_encrypted(lake_store.get_bytes(batches[0]), MemoryKeyStore())
    image_path = lake_store.find("landing/images")[0]
    image = open_image(lake_store.get_bytes(image_path), key_store, image_path)
    assert image.startswith(b"\xff\xd8")
