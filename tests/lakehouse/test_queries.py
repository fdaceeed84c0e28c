"""Dashboard and notebook queries over a compacted simulated lake."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

import pytest
from PIL import Image

from lakehouse import queries
from lakehouse.compaction import compact
from lakehouse.engine import Lake, connect
from lakehouse.keys import CompanyKeyPair, FileKeyStore
from lakehouse.simulate import Workday
from lakehouse.storage import open_store
from tests.lakehouse.landing import DAY, write_simulated

END = DAY + dt.timedelta(days=1)
ROBOT = "user-0003"


@pytest.fixture
def lake(tmp_path: Path, company_pair: CompanyKeyPair, key_store: FileKeyStore) -> Lake:
    """An hour of three people, the last one a mouse jiggler, compacted."""
    store = open_store((tmp_path / "lake").as_uri())
    work = Workday(workday_seconds=3600, screenshots_per_hour=4, robot_users=1)
    write_simulated(store, company_pair.public, users=3, work=work)
    compact(store, key_store)
    return Lake(store, key_store)


def test_a_timeline_covers_the_day_in_segments(lake: Lake) -> None:
    con = connect(lake=lake, company_id="acme")
    segments = queries.timeline(con, "acme", "user-0001", DAY).to_arrow_table().to_pylist()

    assert sum(s["seconds"] for s in segments) == 3600.0
    samples = queries.samples(con, "acme", "user-0001", DAY).to_arrow_table().to_pylist()
    for count in ("keystrokes", "clicks", "scrolls", "mouse_distance_px"):
        assert sum(s[count] for s in segments) == sum(s[count] for s in samples)
    assert {s["status"] for s in segments} <= {"active", "idle"}
    for before, after in itertools.pairwise(segments):
        assert before["ended_at"] <= after["started_at"]
        assert (before["app"], before["status"]) != (after["app"], after["status"]) or (
            after["started_at"] > before["ended_at"]  # a pause splits a segment
        )


def test_session_intervals_show_work_and_the_pause(lake: Lake) -> None:
    con = connect(lake=lake, company_id="acme")
    intervals = queries.session_intervals(con, "acme", "user-0001", DAY).fetchall()
    assert [state for _, state, _, _ in intervals] == ["working", "paused", "working"]
    assert all(start < end for _, _, start, end in intervals)


def test_screenshots_are_listed_and_open_as_real_images(lake: Lake) -> None:
    con = connect(lake=lake, company_id="acme")
    shots = queries.screenshots(con, "acme", DAY, END, ["user-0002"]).to_arrow_table().to_pylist()

    assert shots
    assert {s["format"] for s in shots} == {"jpeg"}
    image = Image.open(io.BytesIO(queries.open_screenshot(lake, shots[0]["object_path"])))
    assert image.size == (shots[0]["width"], shots[0]["height"])


def test_input_cadence_singles_out_the_machine(lake: Lake) -> None:
    con = connect(lake=lake, company_id="acme")
    cadence = {
        r["user_id"]: r
        for r in queries.input_cadence(con, "acme", DAY, END).to_arrow_table().to_pylist()
    }

    robot = cadence[ROBOT]
    assert robot["clicks_std"] == 0
    assert robot["mouse_std"] == 0
    assert robot["keystroke_share"] == 0
    for human in ("user-0001", "user-0002"):
        assert cadence[human]["clicks_std"] > 0.5
        assert cadence[human]["keystroke_share"] > 0.3


def test_notebook_questions(lake: Lake) -> None:
    con = connect(lake=lake, company_id="acme")
    hours = queries.activity_by_hour(con, "acme", DAY, END).fetchall()
    assert sum(worked for _, worked, _, _ in hours) == 3 * 3600.0
    breaks = queries.interruptions(con, "acme", DAY, END).to_arrow_table().to_pylist()
    assert {b["user_id"] for b in breaks} == {"user-0001", "user-0002", ROBOT}
    assert all(b["pauses"] == 1 for b in breaks)
    assert all(b["app_switches"] > 0 for b in breaks)
    sessions = queries.session_lengths(con, "acme", DAY, END).to_arrow_table().to_pylist()
    assert len(sessions) == 3
    assert all(s["session_seconds"] > 3600 > s["paused_seconds"] > 0 for s in sessions)
    table = queries.run_sql(con, "SELECT count(*) AS n FROM activity")
    assert table.to_pylist() == [{"n": 3 * 360}]
