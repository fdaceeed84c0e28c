"""Every page, run with Streamlit's AppTest against a live API server and a compacted lake.

The figures a page shows are compared with the lake's own metrics on the same data.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lakehouse import metrics
from lakehouse.categories import ProductivityRules, Rule, category_usage
from lakehouse.engine import connect, open_lake
from lakehouse.keys import FileKeyStore
from tests.dashboards.world import PASSWORD, World

pytestmark = pytest.mark.slow  # a live API server and a simulated lake (built once per session)
APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
SignIn = Callable[[str], AppTest]


@functools.cache
def lake_connection(lake_url: str, keys_dir: Path, company_id: str) -> Any:
    """The lake's own connection (one per company)."""
    lake = open_lake(lake_url, FileKeyStore(keys_dir))
    return connect(lake=lake, company_id=company_id)


def lake_frame(world: World, company_id: str, query: Callable[..., object]) -> pl.DataFrame:
    con = lake_connection(world.lake_url, world.keys_dir, company_id)
    return query(con).pl()  # type: ignore[attr-defined, no-any-return]


def metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


@contextmanager
def api_as(world: World, email: str, device_id: str = "tests") -> Iterator[httpx.Client]:
    """An HTTP client signed in to the API as `email` on `device_id`."""
    with httpx.Client(
        base_url=world.api_url, headers={"X-Device-ID": device_id}, timeout=30
    ) as http:
        body = {"email": email, "password": PASSWORD, "device": {"id": device_id}}
        response = http.post("/api/auth/login", json=body)
        response.raise_for_status()
        http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield http


def test_the_overview_shows_the_lakes_figures_for_the_admins_company(
    world: World, sign_in: SignIn
) -> None:
    at = sign_in(world.acme.admin.email)
    today = world.days[-1]
    totals = lake_frame(world, world.acme.company_id,
                        lambda c: metrics.daily_totals(c, world.acme.company_id, today,
                                                       today + dt.timedelta(days=1)))  # fmt: skip
    assert at.title[0].value == "Overview"
    assert metric(at, "People") == "7"  # admin, sub_admin and five people
    assert metric(at, "Active today") == str(totals["people"][0]) == "5"
    assert metric(at, "Hours today") == f"{totals['worked_seconds'][0] / 3600:.1f}"
    assert metric(at, "Avg activity") == f"{totals['activity_percent'][0]:.0f} %"


def test_a_sub_admin_sees_only_the_people_of_the_team_they_manage(
    world: World, sign_in: SignIn
) -> None:
    at = sign_in(world.sub_admin.email)
    at.switch_page("views/people.py").run()
    table = at.dataframe[0].value
    names = {p.user_id: p.name for p in world.acme.people}
    assert sorted(table["person"]) == sorted(names[u] for u in world.red)
    assert (
        "Settings" not in [p.title for p in at.get("navigation")] if at.get("navigation") else True
    )
    at.switch_page("views/timeline.py").run()
    options = at.selectbox(key="timeline_person").options
    assert sorted(options) == sorted(names[u] for u in world.red)


def test_the_people_page_matches_the_lake_per_person(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/people.py").run()
    first, last = world.days[0], world.days[-1]
    at.date_input(key="people_period").set_value((first, last)).run()
    table = at.dataframe[0].value.set_index("person")
    summary = lake_frame(world, world.acme.company_id,
                         lambda c: metrics.daily_summary(c, world.acme.company_id, first,
                                                         last + dt.timedelta(days=1)))  # fmt: skip
    for person in world.acme.people:
        worked = summary.filter(pl.col("user_id") == person.user_id)["worked_seconds"].sum()
        assert table.loc[person.name, "worked_hours"] == pytest.approx(worked / 3600)
    assert table.loc["Acme Lead", "worked_hours"] == 0  # in scope, nothing recorded


def test_the_productive_share_follows_the_companys_rules(world: World, sign_in: SignIn) -> None:
    code = {"match": "app", "pattern": "code", "category": "productive"}
    productivity = {"default": "neutral", "rules": [code]}
    with api_as(world, world.acme.admin.email) as http:
        document = http.get("/api/rules").json()["rules"]
        http.put("/api/rules", json={**document, "productivity": productivity}).raise_for_status()
    at = sign_in(world.sub_admin.email)
    at.switch_page("views/people.py").run()
    table = at.dataframe[0].value.set_index("person")
    today = world.days[-1]
    rules = ProductivityRules(rules=[Rule(category="productive", app="code")])
    usage = lake_frame(world, world.acme.company_id,
                       lambda c: category_usage(c, rules, world.acme.company_id,
                                                today - dt.timedelta(days=6),
                                                today + dt.timedelta(days=1)))  # fmt: skip
    person = world.acme.people[0]
    mine = usage.filter(pl.col("user_id") == person.user_id)
    share = 100 * mine.filter(pl.col("category") == "productive")["active_seconds"].sum()
    assert table.loc[person.name, "productive_pct"] == pytest.approx(
        share / mine["active_seconds"].sum()
    )
    assert 0 < table.loc[person.name, "productive_pct"] < 100


def test_the_timeline_shows_one_persons_day(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/timeline.py").run()
    person = world.acme.people[1]
    at.selectbox(key="timeline_person").select(person.name).run()
    today = world.days[-1]
    summary = lake_frame(world, world.acme.company_id,
                         lambda c: metrics.daily_summary(c, world.acme.company_id, today,
                                                         today + dt.timedelta(days=1),
                                                         [person.user_id]))  # fmt: skip
    assert metric(at, "Worked") == f"{summary['worked_seconds'][0] / 3600:.2f} h"
    assert int(metric(at, "Screenshots")) > 0
    assert not at.exception


def test_viewing_screenshots_is_recorded_in_the_audit_log(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/screenshots.py").run()
    person = world.acme.people[2]
    at.selectbox(key="shots_person").select(person.name).run()
    assert not at.exception
    shown = len(at.get("image"))
    assert shown > 0
    at.button(key=next(b.key for b in at.button if b.label == "Full size")).click().run()
    assert len(at.get("image")) == shown + 1
    with api_as(world, person.email) as http:
        log = http.get("/api/me/access-log").json()
    assert any(e["resource"] == "screenshots" and e["viewer_id"] == world.acme.admin.user_id
               for e in log)  # fmt: skip


def test_a_plain_user_gets_only_their_own_day(world: World, sign_in: SignIn) -> None:
    person = world.acme.people[0]
    at = sign_in(person.email)
    assert at.title[0].value == "My day"
    assert at.selectbox(key="timeline_person").options == [person.name]
    assert metric(at, "Worked").endswith(" h")


def test_another_company_sees_none_of_acme(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.globex.admin.email)
    assert metric(at, "People") == "3"
    assert metric(at, "Active today") == "2"
    at.switch_page("views/timeline.py").run()
    options = at.selectbox(key="timeline_person").options
    assert not set(options) & {p.name for p in world.acme.people}


def test_settings_preview_and_the_apis_validation(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/settings.py").run()
    document = json.loads(at.text_area(key="rules_json").value)
    document["screenshots"]["per_hour"] = 99
    at.text_area(key="rules_json").input(json.dumps(document)).run()
    at.button(key="save_rules").click().run()
    assert "not saved" in at.error[0].value
    document["screenshots"]["per_hour"] = 4
    at.text_area(key="rules_json").input(json.dumps(document)).run()
    assert any("About 4 screenshot(s) per hour" in m.value for m in at.markdown)
    at.button(key="save_rules").click().run()
    assert at.success
    with api_as(world, world.acme.admin.email) as http:
        assert http.get("/api/rules").json()["rules"]["screenshots"]["per_hour"] == 4


def test_live_shows_who_works_and_an_admin_can_end_their_session(
    world: World, sign_in: SignIn
) -> None:
    person = world.acme.people[4]
    now = dt.datetime.now(dt.UTC).isoformat()
    with api_as(world, person.email, "laptop") as http:
        http.post("/api/me/sessions", json={"id": "live-1", "event_id": "e1", "ts": now})
        beat = {"status": "working", "session_id": "live-1", "current_app": "code"}
        http.post("/api/agent/heartbeat", json=beat).raise_for_status()
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/live.py").run()
    table = at.dataframe[0].value.set_index("person")
    assert table.loc[person.name, "status"] == "working"
    assert table.loc[person.name, "current_app"] == "code"
    at.selectbox(key="force_end_who").select(person.name).run()
    at.button(key="force_end").click().run()
    assert at.success
    with api_as(world, person.email, "laptop") as http:
        assert http.get("/api/me/sessions/current").status_code == 404


def test_an_expired_access_token_is_refreshed_without_signing_in_again(
    world: World, sign_in: SignIn
) -> None:
    from dashboards.api_client import Tokens

    at = sign_in(world.acme.admin.email)
    old = at.session_state["tokens"]
    at.session_state["tokens"] = Tokens("not-a-valid-token", old.refresh_token)
    at.switch_page("views/settings.py").run()
    assert not at.exception
    assert at.title[0].value == "Settings"
    assert at.session_state["tokens"].refresh_token != old.refresh_token


def test_signing_out_returns_to_the_sign_in_form(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.button(key="sign_out").click().run()
    assert [b.label for b in at.button] == ["Sign in"]


def test_a_sign_in_that_can_no_longer_be_refreshed_asks_to_sign_in_again(
    world: World, sign_in: SignIn
) -> None:
    from dashboards.api_client import Tokens

    at = sign_in(world.acme.admin.email)
    at.session_state["tokens"] = Tokens("not-a-valid-token", "not-a-valid-refresh-token")
    at.switch_page("views/settings.py").run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
