"""Productivity categories from company rules with per-team overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from pydantic import ValidationError

from lakehouse.categories import ProductivityRules, Rule, category_usage
from lakehouse.engine import connect_tables
from lakehouse.validation import schema_for
from tests.lakehouse.rows import activity_rows

DAY = dt.date(2026, 11, 2)
START = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def _rows() -> list[dict[str, Any]]:
    spent = [  # (user, app, domain, title, seconds)
        ("ada", "code", None, "main.py — Visual Studio Code", 30),
        ("ada", "firefox", "www.youtube.com", "Music — YouTube", 20),
        ("ada", "firefox", "docs.python.org", "The Python Tutorial", 10),
        ("ada", "slack", None, "#random | Acme", 10),
        ("bob", "firefox", "www.youtube.com", "Design talk — YouTube", 20),
        ("bob", "Figma", None, "Logo draft", 10),
    ]
    rows, i = [], 0
    for user, app, domain, title, seconds in spent:
        for _ in range(seconds // 10):
            row = activity_rows(1, user_id=user)[0]
            row.update(
                ts=START + dt.timedelta(seconds=10 * i),
                duration_seconds=10.0,
                idle_seconds=0.0,
                app=app,
                domain=domain,
                title=title,
            )
            rows.append(row)
            i += 1
    idle = activity_rows(1, user_id="ada")[0]
    idle.update(ts=START, app="code", status="idle", idle_seconds=10.0, duration_seconds=10.0)
    return [*rows, idle]


RULES = ProductivityRules(
    rules=[
        Rule(category="productive", app="CODE"),
        Rule(category="productive", domain="python.org"),
        Rule(category="unproductive", domain="youtube.com"),
        Rule(category="unproductive", title_pattern=r"#random"),
        Rule(category="productive", app="figma", team_id="design"),
        Rule(category="productive", domain="youtube.com", team_id="design"),
    ]
)


def _usage(teams: dict[str, str] | None = None) -> dict[tuple[str, str], float]:
    con = connect_tables({"activity": pa.Table.from_pylist(_rows(), schema_for("activity"))})
    result = category_usage(con, RULES, "acme", DAY, DAY + dt.timedelta(days=1), teams=teams)
    return {(user, category): seconds for user, _day, category, seconds in result.fetchall()}


def test_company_rules_categorise_active_time_by_app_domain_and_title() -> None:
    usage = _usage()
    assert usage[("ada", "productive")] == 40.0  # code (case-insensitive) + a python.org subdomain
    assert usage[("ada", "unproductive")] == 30.0  # youtube + the #random channel
    assert ("ada", "neutral") not in usage  # idle time is nobody's
    assert usage[("bob", "neutral")] == 10.0  # Figma: no company rule
    assert usage[("bob", "unproductive")] == 20.0


def test_team_rules_override_company_rules_for_members_only() -> None:
    usage = _usage(teams={"bob": "design"})
    assert usage[("bob", "productive")] == 30.0
    assert ("bob", "unproductive") not in usage
    assert usage[("ada", "unproductive")] == 30.0


def test_rules_are_validated() -> None:
    with pytest.raises(ValidationError, match="at least one of"):
        Rule(category="productive")
    with pytest.raises(ValidationError, match="regular expression"):
        Rule(category="productive", title_pattern="([")
    with pytest.raises(ValidationError):
        Rule(category="great", app="code")
    assert Rule(category="neutral", domain="*.Example.com").domain == "example.com"
    assert ProductivityRules.model_validate({"rules": [{"category": "productive", "app": "x"}]})


def test_rules_without_titles_give_the_same_answer_from_the_rollups() -> None:
    no_titles = ProductivityRules(rules=[r for r in RULES.rules if not r.title_pattern])
    con = connect_tables({"activity": pa.Table.from_pylist(_rows(), schema_for("activity"))})
    end = DAY + dt.timedelta(days=1)

    fast = category_usage(con, no_titles, "acme", DAY, end).fetchall()
    with_titles = ProductivityRules(
        rules=[*no_titles.rules, Rule(category="neutral", title_pattern="^never matches$")]
    )
    slow = category_usage(con, with_titles, "acme", DAY, end).fetchall()

    assert fast == slow
    assert ("ada", DAY, "neutral", 10.0) in fast  # #random is only unproductive by title


def test_totals_over_the_range_are_the_sums_of_the_days() -> None:
    rows = _rows()
    next_day = [{**r, "ts": r["ts"] + dt.timedelta(days=1)} for r in rows]
    table = pa.Table.from_pylist(rows + next_day, schema_for("activity"))
    con = connect_tables({"activity": table})
    end = DAY + dt.timedelta(days=2)
    for rules in (RULES, ProductivityRules(rules=[r for r in RULES.rules if not r.title_pattern])):
        days = category_usage(con, rules, "acme", DAY, end, teams={"bob": "design"}).pl()
        totals = category_usage(con, rules, "acme", DAY, end, teams={"bob": "design"},
                                per_day=False).pl()  # fmt: skip
        assert "day" not in totals.columns
        summed = days.group_by("user_id", "category").agg(pl.col("active_seconds").sum())
        assert dict(zip(zip(totals["user_id"], totals["category"], strict=True),
                        totals["active_seconds"], strict=True)) == dict(
            zip(zip(summed["user_id"], summed["category"], strict=True),
                summed["active_seconds"], strict=True))  # fmt: skip
        assert days["day"].n_unique() == 2
