"""The Timeline page: the day's chart and the table of what happened, against the lake."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from streamlit.testing.v1 import AppTest

from lakehouse import FileKeyStore, metrics, open_store
from lakehouse.compaction import compact
from lakehouse.simulate import Workday, generate_day, write_day
from tests.dashboards.test_pages import api_as, lake_frame, metric
from tests.dashboards.world import World

pytestmark = pytest.mark.slow  # a live API server and a simulated lake (built once per session)
SignIn = Callable[[str], AppTest]
COUNTS = ("keystrokes", "clicks", "scrolls", "mouse_distance_px")


def open_timeline(at: AppTest, name: str, day: dt.date) -> AppTest:
    at.switch_page("views/timeline.py").run()
    at.selectbox(key="timeline_person").select(name).run()
    at.date_input(key="timeline_day").set_value(day).run()
    assert not at.exception, at.exception
    return at


def chart_bands(at: AppTest) -> pl.DataFrame:
    """The rows the Timeline chart draws as bars (its first layer), as sent to the browser."""
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    name = spec["layer"][0]["data"]["name"]
    data = next(d.data.data for d in chart.datasets if d.name == name)
    frame = pl.from_arrow(pa.ipc.open_stream(data).read_all())
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_the_segment_table_accounts_for_the_whole_day(world: World, sign_in: SignIn) -> None:
    person, today = world.acme.people[1], world.days[-1]
    at = open_timeline(sign_in(world.acme.admin.email), person.name, today)
    table = pl.from_pandas(at.dataframe[0].value)
    summary = lake_frame(world, world.acme.company_id,
                         lambda c: metrics.daily_summary(c, world.acme.company_id, today,
                                                         today + dt.timedelta(days=1),
                                                         [person.user_id]))  # fmt: skip
    assert {"started_at", "ended_at", "duration", "status", "app", "title", "domain"} <= set(
        table.columns
    )
    for count in COUNTS:
        assert table[count].sum() == summary[count][0]
    seconds = (table["ended_at"] - table["started_at"]).dt.total_seconds().sum()
    assert seconds == pytest.approx(summary["worked_seconds"][0])
    assert set(table["status"]) == {"active", "idle"}
    assert table["duration"].str.contains(r"^\d+ (h|min|s)").all()
    assert 0 < table["screenshots"].sum() <= int(metric(at, "Screenshots"))


def test_titles_are_left_out_when_the_rules_do_not_record_them(
    world: World, sign_in: SignIn
) -> None:
    with api_as(world, world.acme.admin.email) as http:
        document = http.get("/api/rules").json()["rules"]
        tracking = {**document["tracking"], "titles": False}
        http.put("/api/rules", json={**document, "tracking": tracking}).raise_for_status()
        try:
            at = open_timeline(sign_in(world.acme.admin.email), world.acme.people[1].name,
                               world.days[-1])  # fmt: skip
        finally:
            http.put("/api/rules", json=document).raise_for_status()
    columns = at.dataframe[0].value.columns
    assert "title" not in columns
    assert "app" in columns


def write_short_open_session(world: World, user_id: str, day: dt.date) -> None:
    """Four minutes of work whose end event has not reached the lake, compacted."""
    store = open_store(world.lake_url)
    keys = FileKeyStore(world.keys_dir)
    company = world.globex.company_id
    work = Workday(workday_seconds=240, screenshots_per_hour=30.0)
    data = generate_day(company, [user_id], day, 11, work)
    data.sessions = data.sessions.filter(pc.not_equal(data.sessions["kind"], "end"))
    write_day(store, keys.current_public_key(company), data)
    compact(store, keys)


def test_a_short_session_without_its_end_shows_as_visible_bars(
    world: World, sign_in: SignIn
) -> None:
    person, day = world.globex.people[1], world.days[0]  # a day Globex has nothing else on
    write_short_open_session(world, person.user_id, day)
    at = open_timeline(sign_in(world.globex.admin.email), person.name, day)
    bands = chart_bands(at)
    span = bands["shown_end"].max() - bands["start"].min()  # type: ignore[operator]
    sessions = bands.filter(pl.col("lane") == "Session")
    assert sessions.height >= 1
    widths: list[dt.timedelta] = (bands["shown_end"] - bands["start"]).to_list()
    assert all(width >= span / 200 for width in widths)  # type: ignore[operator]
    assert sessions["end"].max() == bands.filter(pl.col("lane") == "Activity")["end"].max()
    table = at.dataframe[0].value
    assert table["ended_at"].max() - table["started_at"].min() <= dt.timedelta(minutes=60)
