"""How soon new work reaches the pages: heartbeats on Live, compacted work elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data, lake_snapshot
from lakehouse import FileKeyStore, open_store
from lakehouse.compaction import compact
from lakehouse.simulate import Workday, generate_day, write_day
from tests.dashboards.test_pages import api_as
from tests.dashboards.world import World

pytestmark = pytest.mark.slow  # a live API server and a simulated lake (built once per session)
SignIn = Callable[[str], AppTest]


def test_live_shows_a_heartbeat_sent_after_the_page_opened(world: World, sign_in: SignIn) -> None:
    person = world.acme.people[3]
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/live.py").run()
    now = dt.datetime.now(dt.UTC).isoformat()
    with api_as(world, person.email, "desk") as http:
        http.post("/api/me/sessions", json={"id": "fresh-1", "event_id": "f1", "ts": now})
        beat = {"status": "working", "session_id": "fresh-1", "current_app": "inkscape"}
        http.post("/api/agent/heartbeat", json=beat).raise_for_status()
    at.run()  # what the board's timer does every few seconds
    table = at.dataframe[0].value.set_index("person")
    assert table.loc[person.name, "status"] == "working"
    assert table.loc[person.name, "current_app"] == "inkscape"


def test_newly_compacted_work_shows_with_the_next_listing_of_the_lake(
    world: World, sign_in: SignIn
) -> None:
    sign_in(world.globex.admin.email)  # points the dashboards at the world's lake
    company, person = world.globex.company_id, world.globex.people[0]
    day = world.days[1]  # Globex has no work stored on it yet
    scope, period = data.Scope(company, None), data.Period(day, day)
    assert data.daily_totals(scope, period)["people"].to_list() == [0]
    listed = data.as_of(scope)

    store, keys = open_store(world.lake_url), FileKeyStore(world.keys_dir)
    work = Workday(workday_seconds=1800, screenshots_per_hour=0.0)
    write_day(store, keys.current_public_key(company),
              generate_day(company, [person.user_id], day, 5, work))  # fmt: skip
    compact(store, keys)
    # The snapshot the figures came from still answers, consistently, until it is renewed...
    assert data.daily_totals(scope, period)["people"].to_list() == [0]
    # ...which happens every LAKE_REFRESH_SECONDS: its results are not kept beyond it.
    lake_snapshot.reader.clear()
    assert data.daily_totals(scope, period)["people"].to_list() == [1]
    assert data.as_of(scope) > listed


def test_pages_say_how_fresh_their_figures_are(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    for page in ("overview", "people", "timeline", "apps"):
        at.switch_page(f"views/{page}.py").run()
        assert any(c.value.startswith("Recorded work as of ") for c in at.caption), page
