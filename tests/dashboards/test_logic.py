"""The dashboards' pure parts: scoping, tables, rule edits and the plain-language preview."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from dashboards import charts, cli, directory, preview, productivity
from dashboards.auth import Viewer
from dashboards.context import scope_for
from dashboards.views import apps, live, people, timeline

PEOPLE = (
    directory.Person("u1", "Ann", "ann@x.test", "user", "active", ("t1",)),
    directory.Person("u2", "Bob", "bob@x.test", "user", "active", ("t2",)),
    directory.Person("u3", "Cy", "cy@x.test", "sub_admin", "active", ()),
)
TEAMS = (
    directory.Team("t1", "Red", ("u1",), ("u3",)),
    directory.Team("t2", "Blue", ("u2",), ()),
)


def viewer(role: str, user_id: str = "u3") -> Viewer:
    return Viewer(user_id, "c1", role, "x@x.test", "X")


def test_an_admin_sees_the_whole_company() -> None:
    assert scope_for(viewer("company_admin"), PEOPLE, TEAMS).user_ids is None


def test_a_sub_admin_sees_only_the_members_of_the_teams_they_manage() -> None:
    scope = scope_for(viewer("sub_admin"), PEOPLE, TEAMS)
    assert scope.company_id == "c1"
    assert scope.user_ids == ("u1",)


def test_a_plain_user_sees_only_themselves() -> None:
    assert scope_for(viewer("user", "u2"), PEOPLE, TEAMS).user_ids == ("u2",)


def test_a_category_edit_replaces_the_rule_for_that_name_only() -> None:
    document = {
        "tracking": {"titles": True},
        "productivity": {
            "default": "neutral",
            "rules": [
                {"match": "app", "pattern": "Slack", "category": "unproductive"},
                {"match": "domain", "pattern": "slack", "category": "neutral"},
            ],
        },
    }
    edited = directory.with_categories(document, "app", {"slack": "productive"})
    assert edited["tracking"] == {"titles": True}
    assert edited["productivity"]["rules"] == [
        {"match": "domain", "pattern": "slack", "category": "neutral"},
        {"match": "app", "pattern": "slack", "category": "productive"},
    ]
    assert document["productivity"]["rules"][0]["category"] == "unproductive"  # input untouched


def test_the_editor_reports_only_real_category_changes() -> None:
    before = pl.DataFrame(
        {"name": ["code", "slack"], "hours": [2.0, 1.0], "category": ["neutral", "neutral"]}
    )
    after = before.with_columns(pl.Series("category", ["productive", "neutral"]))
    assert apps.changed_categories(before, after) == {"code": "productive"}


def test_the_preview_says_what_employees_are_subject_to() -> None:
    sentences = preview.describe(
        {
            "tracking": {
                "titles": False,
                "urls": True,
                "idle_threshold_seconds": 120,
                "blocked_apps": ["keepassxc"],
            },
            "screenshots": {"per_hour": 4, "blur": True, "monitor_mode": "primary"},
            "working_hours": {
                "enabled": True,
                "days": ["mon", "fri"],
                "start": "09:00:00",
                "end": "17:00:00",
                "time_zone": "Europe/Berlin",
            },
            "retention_days": 30,
        }
    )
    text = " ".join(sentences)
    assert "only on Monday, Friday between 09:00 and 17:00 (Europe/Berlin)" in text
    assert "window titles" not in text
    assert "never what is typed" in text
    assert "After 120 s" in text
    assert "keepassxc" in text
    assert "About 4 screenshot(s) per hour of the primary monitor" in text
    assert "blurred" in text
    assert "deleted after 30 days" in text


def test_no_screenshots_is_said_plainly() -> None:
    assert "No screenshots are taken." in preview.describe({"screenshots": {"per_hour": 0}})


def test_live_lists_only_people_in_scope_newest_first() -> None:
    now = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    presence = [
        {
            "user_id": "u1",
            "status": "active",
            "session_id": "s1",
            "session_started_at": "2026-01-05T08:00:00Z",
            "current_app": "code",
            "last_seen_at": (now - dt.timedelta(minutes=5)).isoformat(),
        },
        {"user_id": "u2", "status": "paused", "session_id": "s2", "last_seen_at": now.isoformat()},
        {"user_id": "other-company", "status": "active", "last_seen_at": now.isoformat()},
    ]
    table = live.presence_table(presence, {"u1": "Ann", "u2": "Bob"})
    assert table["person"].to_list() == ["Bob", "Ann"]
    assert table["session_started_at"][1] == dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)


def test_people_lists_everyone_in_scope_even_without_data() -> None:
    summary = pl.DataFrame(
        {
            "user_id": ["u1"],
            "worked_hours": [7.5],
            "active_hours": [6.0],
            "idle_hours": [1.5],
            "paused_hours": [1.0],
            "activity_pct": [80.0],
            "productive_pct": [50.0],
            "top_app": ["code"],
        }
    )
    table = people.people_table(summary, {"u1": "Ann", "u2": "Bob"})
    bob = table.filter(pl.col("person") == "Bob").row(0, named=True)
    assert bob["worked_hours"] == 0.0
    assert bob["top_app"] is None


def test_the_launcher_hands_its_options_to_the_app_through_the_environment() -> None:
    env = cli.settings_env("http://api:8000", "s3://b/lake", None, '{"endpoint_url": "http://s3"}')
    assert env == {
        "TEAMTRECK_DASHBOARD_API_URL": "http://api:8000",
        "TEAMTRECK_DASHBOARD_LAKE_URL": "s3://b/lake",
        "TEAMTRECK_DASHBOARD_STORAGE_OPTIONS": '{"endpoint_url": "http://s3"}',
    }
    command = cli.streamlit_command("0.0.0.0", 8600)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert "8600" in command


CATEGORIES = {
    "default": "neutral",
    "rules": [
        {"match": "app", "pattern": "Code", "category": "productive"},
        {"match": "domain", "pattern": "youtube.com", "category": "unproductive"},
        {"match": "title", "pattern": "Q3 plan (draft)", "category": "productive"},
        {"match": "app", "pattern": "code", "category": "unproductive"},
    ],
    "team_overrides": {"t1": [{"match": "app", "pattern": "slack", "category": "productive"}]},
}


def test_the_apis_rules_become_the_lakes_rules_with_team_overrides_first() -> None:
    rules = productivity.lake_rules(CATEGORIES).rules
    assert (rules[0].team_id, rules[0].app, rules[0].category) == ("t1", "slack", "productive")
    assert rules[1].app == "Code"
    assert rules[2].domain == "youtube.com"
    assert rules[3].title_pattern == re.escape("Q3 plan (draft)")  # a literal, not a regex


def test_each_name_shows_the_category_its_first_rule_gives_else_the_default() -> None:
    frame = pl.DataFrame({"name": ["code", "zoom"]})
    labelled = productivity.label(frame, "name", CATEGORIES, "app")
    assert labelled["category"].to_list() == ["productive", "neutral"]


def test_durations_read_at_a_glance() -> None:
    assert [timeline.readable_duration(s) for s in (30, 250, 240, 3900, 0.4)] == [
        "30 s", "4 min 10 s", "4 min", "1 h 05 min", "0 s",
    ]  # fmt: skip


def test_titles_are_shown_unless_the_rules_turn_them_off() -> None:
    assert timeline.titles_allowed({"tracking": {"titles": True}})
    assert timeline.titles_allowed({})
    assert not timeline.titles_allowed({"tracking": {"titles": False}})


def test_a_few_minutes_in_a_long_day_are_drawn_wide_enough_to_see() -> None:
    at = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    bands = pl.DataFrame(
        {
            "start": [at, at + dt.timedelta(hours=4)],
            "end": [at + dt.timedelta(hours=10), at + dt.timedelta(hours=4, minutes=1)],
        }
    )
    shown = charts.visible_bands(bands)
    assert shown["shown_end"][0] == shown["end"][0]  # long bars keep their end
    assert shown["shown_end"][1] - shown["start"][1] == dt.timedelta(hours=10) / 200
    assert shown["end"][1] == at + dt.timedelta(hours=4, minutes=1)  # the true end is kept
