"""The shared metric definitions, on rows whose right answers are known by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from lakehouse import metrics
from lakehouse.engine import connect_tables
from lakehouse.validation import schema_for
from tests.lakehouse.rows import activity_rows, session_rows

DAY = dt.date(2026, 11, 2)
START = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
END = DAY + dt.timedelta(days=1)


def _sample(i: int, user: str = "ada", **fields: Any) -> dict[str, Any]:
    row = activity_rows(1, user_id=user)[0]
    row.update(ts=START + dt.timedelta(seconds=10 * i), duration_seconds=10.0, idle_seconds=0.0)
    row.update(keystrokes=0, clicks=0, scrolls=0, mouse_distance_px=0, app="code", domain=None)
    row.update(fields)
    return row


def _con(rows: list[dict[str, Any]], sessions: list[dict[str, Any]] | None = None) -> Any:
    tables = {"activity": pa.Table.from_pylist(rows, schema_for("activity"))}
    if sessions:
        tables["sessions"] = pa.Table.from_pylist(sessions, schema_for("sessions"))
    return connect_tables(tables)


def _ada_day() -> list[dict[str, Any]]:
    return [
        _sample(0, keystrokes=30),  # 10 s active, with input
        _sample(1, clicks=2, app="firefox", domain="github.com"),  # 10 s active, with input
        _sample(2, mouse_distance_px=50, duration_seconds=5.0),  # 5 s active, with input
        _sample(3),  # 10 s active (reading), no input
        _sample(4, status="idle", idle_seconds=10.0),  # 10 s idle
        _sample(5, status="idle", idle_seconds=25.0),  # idle beyond its length: clipped to 10
        _sample(6, idle_seconds=4.0, keystrokes=1),  # input, then 4 s of an idle period
    ]


def test_time_is_attributed_by_sample_length_not_by_counting_rows() -> None:
    summary = metrics.daily_summary(_con(_ada_day()), "acme", DAY, END).to_arrow_table()

    assert summary.num_rows == 1
    row = summary.to_pylist()[0]
    assert row["worked_seconds"] == 65.0
    assert row["idle_seconds"] == 24.0
    assert row["active_seconds"] == 41.0
    assert row["input_seconds"] == 35.0
    assert row["activity_percent"] == pytest.approx(100 * 35 / 65, abs=0.05)
    assert row["samples"] == 7
    assert row["last_seen_at"] == START + dt.timedelta(seconds=70)


def test_app_and_domain_time_count_active_seconds_only() -> None:
    con = _con(_ada_day())
    apps = {a: s for _, a, s in metrics.app_usage(con, "acme", DAY, END).fetchall()}
    domains = metrics.domain_usage(con, "acme", DAY, END).fetchall()

    assert apps == {"code": 31.0, "firefox": 10.0}
    assert domains == [("ada", "github.com", 10.0)]


def test_filters_by_company_users_and_half_open_days() -> None:
    rows = [*_ada_day(), _sample(0, user="bob"), _sample(1, user="bob", company_id="other")]
    rows.append(_sample(0, user="bob", ts=START + dt.timedelta(days=1)))
    con = _con(rows)

    users = {r[1] for r in metrics.daily_summary(con, "acme", DAY, END).fetchall()}
    only_bob = metrics.daily_summary(con, "acme", DAY, END, ["bob"]).fetchall()
    nobody = metrics.daily_summary(con, "acme", DAY, END, []).fetchall()
    two_days = metrics.daily_totals(con, "acme", DAY, END + dt.timedelta(days=1)).fetchall()

    assert users == {"ada", "bob"}
    assert [r[1] for r in only_bob] == ["bob"]
    assert nobody == []
    assert [(d, people) for d, people, *_ in two_days] == [(DAY, 2), (END, 1)]


def test_top_apps_ranks_each_persons_apps() -> None:
    rows = [_sample(i, app="code") for i in range(3)] + [
        _sample(i + 3, app="slack") for i in range(2)
    ]
    rows += [_sample(9, app="zoom")]
    top = metrics.top_apps(_con(rows), "acme", DAY, END, limit=2).fetchall()
    assert top == [("ada", "code", 30.0, 1), ("ada", "slack", 20.0, 2)]


def test_paused_time_runs_from_pause_to_resume_or_end() -> None:
    events = session_rows(("start", "pause", "idle_end", "resume", "pause", "end"))
    for i, event in enumerate(events):
        event["ts"] = START + dt.timedelta(minutes=[0, 60, 61, 90, 200, 215][i])
    con = _con(_ada_day(), events)

    paused = metrics.paused_seconds(con, "acme", DAY, END).fetchall()

    assert paused == [("acme", "ada", DAY, 45 * 60.0)]
