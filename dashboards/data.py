"""The dashboards' only door to the lake: cached calls to `lakehouse`'s queries and metrics.

Every function takes a `Scope` (the viewer's company and, for a sub-admin or a plain user,
the user ids they may see) and pushes it into the lake query, so nothing outside the scope is
ever read. Figures are the lake's own metric definitions (`lakehouse.metrics`), the same ones
the notebooks use.

Freshness: results come from a snapshot of the lake (`dashboards.lake_snapshot`), and `as_of`
tells the viewer which snapshot they see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from dashboards import productivity, resources
from dashboards.lake_snapshot import LakeReader, cached, reader
from dashboards.productivity import Categories, Teams
from lakehouse import metrics, queries
from lakehouse.categories import category_usage

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


def as_of(scope: Scope) -> dt.datetime:
    """When the snapshot of the lake the viewer's figures come from was taken (UTC)."""
    return reader(scope.company_id).as_of


def _range(scope: Scope, period: Period) -> tuple[str, dt.date, dt.date, list[str] | None]:
    users = list(scope.user_ids) if scope.user_ids is not None else None
    return scope.company_id, period.first, period.last + dt.timedelta(days=1), users


def _in_scope(scope: Scope, user_id: str) -> None:
    if scope.user_ids is not None and user_id not in scope.user_ids:
        raise LookupError(f"{user_id} is not among the people you may see.")


def daily_totals(scope: Scope, period: Period) -> pl.DataFrame:
    """Per day of the period: people, hours worked, activity % (days without data included)."""
    return _daily_totals(reader(scope.company_id), scope, period)


@cached
def _daily_totals(lake: LakeReader, scope: Scope, period: Period) -> pl.DataFrame:
    totals = lake.frame(lambda c: metrics.daily_totals(c, *_range(scope, period)))
    days = pl.date_range(period.first, period.last, eager=True).alias("day").to_frame()
    return days.join(totals, on="day", how="left").select(
        "day",
        pl.col("people").fill_null(0),
        (pl.col("worked_seconds").fill_null(0.0) / 3600).alias("hours"),
        pl.col("activity_percent").alias("activity_pct"),  # none on days without work
    )


def screenshot_count(scope: Scope, period: Period) -> int:
    return _screenshot_count(reader(scope.company_id), scope, period)


@cached
def _screenshot_count(lake: LakeReader, scope: Scope, period: Period) -> int:
    frame = lake.frame(
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


def usage(
    scope: Scope, period: Period, kind: UsageKind, categories: Categories, limit: int = 10
) -> pl.DataFrame:
    """Hours per app or domain over the period (largest first): name, hours, category.

    `category` is what the company's rules say of that name itself (the rule naming it, else
    the default): the category an admin sees and edits. Time per category, where titles and
    team overrides count too, comes from `category_trend` and `people_summary`.
    """
    return _usage(reader(scope.company_id), scope, period, kind, categories, limit)


@cached
def _usage(
    lake: LakeReader,
    scope: Scope,
    period: Period,
    kind: UsageKind,
    categories: Categories,
    limit: int,
) -> pl.DataFrame:
    relation = metrics.app_usage if kind == "app" else metrics.domain_usage
    frame = lake.frame(
        lambda c: (
            relation(c, *_range(scope, period))
            .aggregate(f"{kind} AS name, sum(active_seconds) / 3600 AS hours", kind)
            .order("hours DESC, name")
            .limit(limit)
        )
    )
    return productivity.label(frame, "name", categories, kind)


def _by_category(
    lake: LakeReader,
    scope: Scope,
    period: Period,
    categories: Categories,
    teams: Teams,
    *,
    per_day: bool,
) -> pl.DataFrame:
    """Active seconds per user[, day] and category (the lake's categorisation)."""
    rules = productivity.lake_rules(categories)
    # Teams only matter to team overrides; without any, the lake need not join them in.
    members = dict(teams) if any(rule.team_id for rule in rules.rules) else {}
    return lake.frame(
        lambda c: category_usage(c, rules, *_range(scope, period), teams=members, per_day=per_day)
    )


def category_trend(
    scope: Scope, period: Period, categories: Categories, teams: Teams = ()
) -> pl.DataFrame:
    """Hours per day and productivity category over the period: day, category, hours."""
    return _category_trend(reader(scope.company_id), scope, period, categories, teams)


@cached
def _category_trend(
    lake: LakeReader, scope: Scope, period: Period, categories: Categories, teams: Teams
) -> pl.DataFrame:
    return (
        _by_category(lake, scope, period, categories, teams, per_day=True)
        .group_by("day", "category")
        .agg((pl.col("active_seconds").sum() / 3600).alias("hours"))
        .sort("day", "category")
    )


def people_summary(
    scope: Scope, period: Period, categories: Categories, teams: Teams = ()
) -> pl.DataFrame:
    """Per person over the period: worked, active, idle, paused hours, activity %, productive
    share of active time, top app."""
    return _people_summary(reader(scope.company_id), scope, period, categories, teams)


@cached
def _people_summary(
    lake: LakeReader, scope: Scope, period: Period, categories: Categories, teams: Teams
) -> pl.DataFrame:
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
        _by_category(lake, scope, period, categories, teams, per_day=False)
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


def screenshots(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's screenshots of a day: capture id, time, app, size, format, object path."""
    _in_scope(scope, user_id)
    return _screenshots(reader(scope.company_id), scope, user_id, day)


@cached
def _screenshots(lake: LakeReader, scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    next_day = day + dt.timedelta(days=1)
    return lake.frame(lambda c: queries.screenshots(c, scope.company_id, day, next_day, [user_id]))


def day_segments(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's day as segments (consecutive samples of one app and status merged):
    started_at, ended_at, seconds, status (active/idle), app, title, domain and input counts."""
    _in_scope(scope, user_id)
    return _day_segments(reader(scope.company_id), scope, user_id, day)


@cached
def _day_segments(lake: LakeReader, scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    return lake.frame(lambda c: queries.timeline(c, scope.company_id, user_id, day))


def day_sessions(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's work sessions of a day: session_id, state (working/paused), started_at,
    ended_at (none while the session still runs)."""
    _in_scope(scope, user_id)
    return _day_sessions(reader(scope.company_id), scope, user_id, day)


@cached
def _day_sessions(lake: LakeReader, scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    return lake.frame(lambda c: queries.session_intervals(c, scope.company_id, user_id, day))


def day_bands(scope: Scope, user_id: str, day: dt.date) -> pl.DataFrame:
    """One person's day as chart bands: lane, start, end, kind, label (see charts.day_timeline).

    A session interval without an end yet lasts until now on today, else until the person's
    last recorded activity, so it shows rather than vanishing.
    """
    sessions = day_sessions(scope, user_id, day)
    segments = day_segments(scope, user_id, day)
    now = dt.datetime.now(dt.UTC)
    until = now if day == now.date() else segments["ended_at"].max()
    session_bands = sessions.select(
        pl.lit("Session").alias("lane"),
        pl.col("started_at").alias("start"),
        pl.coalesce(
            pl.col("ended_at"),
            pl.max_horizontal(
                pl.col("started_at"), pl.lit(until).cast(sessions["started_at"].dtype)
            ),
        ).alias("end"),
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


def person_day(scope: Scope, user_id: str, day: dt.date) -> PersonDay:
    """One person's worked, active, idle and paused hours of a day."""
    _in_scope(scope, user_id)
    return _person_day(reader(scope.company_id), scope, user_id, day)


@cached
def _person_day(lake: LakeReader, scope: Scope, user_id: str, day: dt.date) -> PersonDay:
    args = (scope.company_id, day, day + dt.timedelta(days=1), [user_id])
    summary = lake.frame(lambda c: metrics.daily_summary(c, *args))
    paused = lake.frame(lambda c: metrics.paused_seconds(c, *args))

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
