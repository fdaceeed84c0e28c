"""The dashboards' only door to the lake: cached calls to `lakehouse`'s queries and metrics.

Every function takes a `Scope` (the viewer's company and, for a sub-admin or a plain user,
the user ids they may see) and pushes it into the lake query, so nothing outside the scope is
ever read. Results are cached for `LAKE_TTL_SECONDS`; figures are the lake's own metric
definitions (`lakehouse.metrics`), the same ones the notebooks use.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from dashboards import productivity, resources
from dashboards.productivity import Categories, Teams
from lakehouse import engine, metrics, queries
from lakehouse.categories import category_usage

if TYPE_CHECKING:
    import duckdb

LAKE_TTL_SECONDS = 60
UsageKind = Literal["app", "domain"]


@dataclass(frozen=True)
class Scope:
    """Whose data may be read: one company, and within it everyone (None) or these users."""

    company_id: str
    user_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `first` to `last`, both included."""

    first: dt.date
    last: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)


@dataclass(frozen=True)
class OverviewFigures:
    people_active: int
    hours_today: float
    hours_week: float
    activity_pct: float
    screenshots_today: int


@dataclass(frozen=True)
class PersonDay:
    worked_hours: float
    active_hours: float
    idle_hours: float
    paused_hours: float


class LakeReader:
    """One company's DuckDB connection to the lake, shared by the sessions of this process.

    A DuckDB connection must not run two queries at once, and its registered Arrow datasets
    belong to it alone (cursors would not see them), so queries take turns on a lock; they
    are short and their results are cached.
    """

    def __init__(self, company_id: str) -> None:
        cfg = resources.settings()
        # connect() opens every footer on this thread, so keys are unwrapped before any scan.
        self._con = engine.connect(
            lake=resources.lake(), company_id=company_id, include_landing=cfg.include_landing
        )
        self._lock = threading.Lock()

    def frame(self, relation: Callable[[duckdb.DuckDBPyConnection], Any]) -> pl.DataFrame:
        with self._lock:
            frame: pl.DataFrame = relation(self._con).pl()
        return frame


@st.cache_resource(ttl=LAKE_TTL_SECONDS, max_entries=32)
def reader(company_id: str) -> LakeReader:
    """A reader per company, rebuilt every `LAKE_TTL_SECONDS` so newly compacted files appear."""
    return LakeReader(company_id)


def _range(scope: Scope, period: Period) -> tuple[str, dt.date, dt.date, list[str] | None]:
    users = list(scope.user_ids) if scope.user_ids is not None else None
    return scope.company_id, period.first, period.last + dt.timedelta(days=1), users


def _in_scope(scope: Scope, user_id: str) -> None:
    if scope.user_ids is not None and user_id not in scope.user_ids:
        raise LookupError(f"{user_id} is not among the people you may see.")


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def daily_totals(scope: Scope, period: Period) -> pl.DataFrame:
    """Per day of the period: people, hours worked, activity % (days without data included)."""
    totals = reader(scope.company_id).frame(
        lambda c: metrics.daily_totals(c, *_range(scope, period))
    )
    days = pl.date_range(period.first, period.last, eager=True).alias("day").to_frame()
    return days.join(totals, on="day", how="left").select(
        "day",
        pl.col("people").fill_null(0),
        (pl.col("worked_seconds").fill_null(0.0) / 3600).alias("hours"),
        pl.col("activity_percent").alias("activity_pct"),  # none on days without work
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def screenshot_count(scope: Scope, period: Period) -> int:
    frame = reader(scope.company_id).frame(
        lambda c: queries.screenshots(c, *_range(scope, period)).aggregate("count(*) AS n")
    )
    return int(frame["n"][0])


def overview_figures(scope: Scope, today: dt.date) -> OverviewFigures:
    """Today's and this week's (Monday to today) headline figures."""
    week = daily_totals(scope, Period(today - dt.timedelta(days=today.weekday()), today))
    now = week.filter(pl.col("day") == today).row(0, named=True)
    return OverviewFigures(
        people_active=int(now["people"]),
        hours_today=float(now["hours"]),
        hours_week=float(week["hours"].sum()),
        activity_pct=float(now["activity_pct"] or 0.0),
        screenshots_today=screenshot_count(scope, Period(today, today)),
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def usage(
    scope: Scope, period: Period, kind: UsageKind, categories: Categories, limit: int = 10
) -> pl.DataFrame:
    """Hours per app or domain over the period (largest first): name, hours, category.

    `category` is what the company's rules say of that name itself (the rule naming it, else
    the default): the category an admin sees and edits. Time per category, where titles and
    team overrides count too, comes from `category_trend` and `people_summary`.
    """
    relation = metrics.app_usage if kind == "app" else metrics.domain_usage
    frame = reader(scope.company_id).frame(
        lambda c: (
            relation(c, *_range(scope, period))
            .aggregate(f"{kind} AS name, sum(active_seconds) / 3600 AS hours", kind)
            .order("hours DESC, name")
            .limit(limit)
        )
    )
    return productivity.label(frame, "name", categories, kind)


def _by_category(
    scope: Scope, period: Period, categories: Categories, teams: Teams
) -> pl.DataFrame:
    """Active seconds per user, day and category (the lake's categorisation)."""
    rules = productivity.lake_rules(categories)
    return reader(scope.company_id).frame(
        lambda c: category_usage(c, rules, *_range(scope, period), teams=dict(teams))
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def category_trend(
    scope: Scope, period: Period, categories: Categories, teams: Teams = ()
) -> pl.DataFrame:
    """Hours per day and productivity category over the period: day, category, hours."""
    return (
        _by_category(scope, period, categories, teams)
        .group_by("day", "category")
        .agg((pl.col("active_seconds").sum() / 3600).alias("hours"))
        .sort("day", "category")
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def people_summary(
    scope: Scope, period: Period, categories: Categories, teams: Teams = ()
) -> pl.DataFrame:
    """Per person over the period: worked, active, idle, paused hours, activity %, productive
    share of active time, top app."""
    lake = reader(scope.company_id)
    args = _range(scope, period)
    days = lake.frame(lambda c: metrics.daily_summary(c, *args))
    paused = lake.frame(lambda c: metrics.paused_seconds(c, *args))
    top = lake.frame(lambda c: metrics.top_apps(c, *args, limit=1))
    per_user = days.group_by("user_id").agg(
        (pl.col("worked_seconds").sum() / 3600).alias("worked_hours"),
        (pl.col("active_seconds").sum() / 3600).alias("active_hours"),
        (pl.col("idle_seconds").sum() / 3600).alias("idle_hours"),
        (100 * pl.col("input_seconds").sum() / pl.col("worked_seconds").sum()).alias(
            "activity_pct"
        ),
    )
    paused_hours = paused.group_by("user_id").agg(
        (pl.col("paused_seconds").sum() / 3600).alias("paused_hours")
    )
    productive = (
        _by_category(scope, period, categories, teams)
        .group_by("user_id")
        .agg(
            (
                100
                * pl.col("active_seconds").filter(pl.col("category") == "productive").sum()
                / pl.col("active_seconds").sum()
            ).alias("productive_pct")
        )
    )
    return (
        per_user.join(paused_hours, on="user_id", how="left")
        .join(productive, on="user_id", how="left")
        .join(top.select("user_id", pl.col("app").alias("top_app")), on="user_id", how="left")
        .with_columns(pl.col("paused_hours").fill_null(0.0))
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def screenshots(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's screenshots of a day: capture id, time, app, size, format, object path."""
    _in_scope(scope, user_id)
    next_day = day + dt.timedelta(days=1)
    return reader(scope.company_id).frame(
        lambda c: queries.screenshots(c, scope.company_id, day, next_day, [user_id])
    )


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def day_bands(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's day as chart bands: lane, start, end, kind, label (see charts.day_timeline)."""
    _in_scope(scope, user_id)
    lake = reader(scope.company_id)
    sessions = lake.frame(lambda c: queries.session_intervals(c, scope.company_id, user_id, day))
    segments = lake.frame(lambda c: queries.timeline(c, scope.company_id, user_id, day))
    session_bands = sessions.filter(pl.col("ended_at").is_not_null()).select(
        pl.lit("Session").alias("lane"),
        pl.col("started_at").alias("start"),
        pl.col("ended_at").alias("end"),
        pl.col("state").alias("kind"),
        pl.col("state").alias("label"),
    )
    activity = segments.select(
        pl.lit("Activity").alias("lane"),
        pl.col("started_at").alias("start"),
        pl.col("ended_at").alias("end"),
        pl.col("status").alias("kind"),
        pl.col("status").alias("label"),
    )
    apps = segments.filter(pl.col("status") == "active").select(
        pl.lit("App").alias("lane"),
        pl.col("started_at").alias("start"),
        pl.col("ended_at").alias("end"),
        pl.lit("app").alias("kind"),
        pl.col("app").fill_null("[unknown]").alias("label"),
    )
    return pl.concat([session_bands, activity, apps])


@st.cache_data(ttl=LAKE_TTL_SECONDS, show_spinner=False)
def person_day(scope: Scope, user_id: str, day: dt.date) -> PersonDay:
    """One person's worked, active, idle and paused hours of a day."""
    _in_scope(scope, user_id)
    company = scope.company_id
    args = (company, day, day + dt.timedelta(days=1), [user_id])
    summary = reader(company).frame(lambda c: metrics.daily_summary(c, *args))
    paused = reader(company).frame(lambda c: metrics.paused_seconds(c, *args))

    def hours(frame: pl.DataFrame, column: str) -> float:
        return float(frame[column].sum() or 0.0) / 3600

    return PersonDay(
        worked_hours=hours(summary, "worked_seconds"),
        active_hours=hours(summary, "active_seconds"),
        idle_hours=hours(summary, "idle_seconds"),
        paused_hours=hours(paused, "paused_seconds"),
    )


def open_image(scope: Scope, user_id: str, day: dt.date, capture_id: str) -> bytes:
    """The decrypted screenshot, looked up within the scope (ids from elsewhere are refused)."""
    rows = screenshots(scope, user_id, day).filter(pl.col("capture_id") == capture_id)
    if rows.is_empty():
        raise LookupError(f"No screenshot {capture_id} of this person on {day} in your scope.")
    return queries.open_screenshot(resources.lake(), str(rows["object_path"][0]))
