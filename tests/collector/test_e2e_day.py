"""A whole working day, compressed: 09:00-17:00 with a lunch pause, on a test clock.

The agent runs on a clock that jumps from tick to tick and stops at checkpoints (12:00,
13:00, 17:00) until the test has paused, resumed or ended work there, so eight hours take
seconds. The lake must then hold exactly what the sensing side produced."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_e2e_app import Desk, lake_of, start_desk

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)
pytestmark = pytest.mark.slow

DAY = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
START, LUNCH, BACK, HOME = (DAY + dt.timedelta(hours=h) for h in (9, 12, 13, 17))


class DayClock:
    """The agent's clock: `wait()` jumps ahead at once, but holds at each checkpoint."""

    def __init__(self, start: dt.datetime, checkpoints: list[dt.datetime]) -> None:
        self.virtual = start
        self.reached = {c: threading.Event() for c in checkpoints}
        self.go_on = {c: threading.Event() for c in checkpoints}

    def now(self) -> dt.datetime:
        return self.virtual

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        target = self.virtual + dt.timedelta(seconds=seconds)
        for checkpoint in sorted(self.reached):
            if self.virtual < checkpoint <= target:
                self.virtual = checkpoint
                self.reached[checkpoint].set()
                while not self.go_on[checkpoint].wait(0.05):
                    if stop.is_set():
                        return True
        self.virtual = target
        return stop.is_set()

    def hold_until_reached(self, checkpoint: dt.datetime) -> None:
        assert self.reached[checkpoint].wait(120), f"the day never reached {checkpoint:%H:%M}"

    def release(self, checkpoint: dt.datetime) -> None:
        self.go_on[checkpoint].set()


@pytest.fixture
def day_desk(live_api: LiveApi, tmp_path: Path) -> Iterator[tuple[Desk, DayClock]]:
    clock = DayClock(START, [LUNCH, BACK, HOME])
    settings = {"sample_interval_seconds": 10.0, "batch_interval_seconds": 120.0}
    running = start_desk(live_api, tmp_path, make_source=None, settings=settings, clock=clock)
    running.sources.options["shot_every"] = 60  # a screenshot every ten minutes
    yield running, clock
    running.app.quit()
    running.thread.join(timeout=60)


def test_a_compressed_working_day_lands_exactly(
    live_api: LiveApi, day_desk: tuple[Desk, DayClock]
) -> None:
    desk, clock = day_desk
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    session_id = desk.tell("start")["session_id"]
    clock.hold_until_reached(LUNCH)
    desk.tell("pause")
    clock.release(LUNCH)
    clock.hold_until_reached(BACK)
    desk.tell("resume")
    clock.release(BACK)
    clock.hold_until_reached(HOME)
    desk.tell("end")

    generated = desk.sources.rows("activity")
    assert abs(len(generated) - 7 * 360) <= 2  # seven hours of 10 s samples
    lake = lake_of(live_api)
    landed = lake.table("activity")
    assert lake.row_count["activity"] == len(generated)
    assert sorted(r["sample_id"] for r in landed) == sorted(r["sample_id"] for r in generated)
    worked = sum(r["duration_seconds"] for r in landed)
    idle = sum(r["idle_seconds"] for r in landed)
    assert worked == sum(r["duration_seconds"] for r in generated)
    assert idle == sum(r["idle_seconds"] for r in generated)
    assert sum(r["keystrokes"] for r in landed) == 5 * len(generated)
    assert sum(r["clicks"] for r in landed) == 2 * len(generated)
    assert not [r for r in landed if LUNCH <= r["ts"] < BACK - dt.timedelta(seconds=10)]
    shots = desk.sources.rows("screenshots")
    assert len(shots) == len(generated) // 60
    assert {r["capture_id"] for r in lake.table("screenshots")} == {r["capture_id"] for r in shots}
    assert set(lake.images) == {r["capture_id"] for r in shots}
    events = [(r["kind"], r["ts"]) for r in lake.table("sessions") if r["session_id"] == session_id]
    assert events == [("start", START), ("pause", LUNCH), ("resume", BACK), ("end", HOME)]
    # Compaction accepts every file (nothing quarantined) and the curated day equals the landing.
    curated_rows = _compacted_activity(live_api, START.date())
    assert sorted(r["sample_id"] for r in curated_rows) == sorted(r["sample_id"] for r in generated)
    # What the employee's page adds up equals the lake.
    record = desk.app.record.read_day(START.date())
    assert sum(e["duration_seconds"] for e in record if e["table"] == "activity") == worked


def _compacted_activity(live_api: LiveApi, day: dt.date) -> list[dict[str, object]]:
    from lakehouse import curated
    from lakehouse.compaction import compact
    from lakehouse.crypto import decryption_properties
    from lakehouse.keys import FileKeyStore
    from lakehouse.storage import open_store

    store = open_store(live_api.settings.resolved_lake_url())
    keys = FileKeyStore(live_api.settings.resolved_key_store_dir())
    summary = compact(store, keys)
    assert not summary.quarantined, summary
    assert compact(store, keys).files_ingested == 0  # a second run is a no-op
    parts = curated.list_parts(store, "activity", live_api.company_id, day)
    table = curated.read_parts(store, parts, "activity", decryption_properties(keys))
    rows: list[dict[str, object]] = table.to_pylist()
    return rows
