"""Altair charts of the dashboards; pure functions from DataFrames to charts (no I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import altair as alt
import polars as pl

CATEGORY_COLORS: Final = {
    "productive": "#2e7d32",
    "neutral": "#9e9e9e",
    "unproductive": "#c62828",
}
BAND_COLORS: Final = {
    "working": "#1565c0",
    "paused": "#ffb300",
    "active": "#43a047",
    "idle": "#bdbdbd",
}
SCREENSHOT_SELECTION: Final = "shot"


def _category_scale() -> alt.Scale:
    return alt.Scale(domain=list(CATEGORY_COLORS), range=list(CATEGORY_COLORS.values()))


def hours_per_day(df: pl.DataFrame) -> alt.Chart:
    """Bars of hours worked per day; `df` has `day` (date) and `hours`."""
    chart: alt.Chart = (
        alt.Chart(df, title="Hours per day")
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonthdate(day):O", title=None),
            y=alt.Y("hours:Q", title="hours"),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                alt.Tooltip("hours:Q", format=".1f"),
            ],
        )
    )
    return chart


def activity_per_day(df: pl.DataFrame) -> alt.Chart:
    """A line of the average activity % per day; `df` has `day` and `activity_pct`."""
    chart: alt.Chart = (
        alt.Chart(df, title="Activity per day")
        .mark_line(point=True)
        .encode(
            x=alt.X("utcyearmonthdate(day):O", title=None),
            y=alt.Y("activity_pct:Q", title="activity %", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                alt.Tooltip("activity_pct:Q", format=".0f"),
            ],
        )
    )
    return chart


def share_bars(df: pl.DataFrame, label: str, title: str) -> alt.Chart:
    """Horizontal bars of hours per `label` (app or domain), coloured by `category`."""
    color = (
        alt.Color("category:N", scale=_category_scale(), title="category")
        if "category" in df.columns and df["category"].null_count() < df.height
        else alt.value("#1565c0")
    )
    chart: alt.Chart = (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X("hours:Q", title="hours"),
            color=color,
            tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip("hours:Q", format=".2f")],
        )
    )
    return chart


def category_trend(df: pl.DataFrame) -> alt.Chart:
    """Stacked bars of hours per day by category; `df` has `day`, `category`, `hours`."""
    chart: alt.Chart = (
        alt.Chart(df, title="Hours per day by category")
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonthdate(day):O", title=None),
            y=alt.Y("hours:Q", title="hours", stack="zero"),
            color=alt.Color("category:N", scale=_category_scale(), title="category"),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                "category:N",
                alt.Tooltip("hours:Q", format=".2f"),
            ],
        )
    )
    return chart


MIN_BAR_SHARE: Final = 1 / 200  # of the chart's time span: about 6 px on a wide page


def visible_bands(bands: pl.DataFrame) -> pl.DataFrame:
    """Add `shown_end`: the end a bar is drawn to, at least `MIN_BAR_SHARE` of the day's span
    after its start, so a session of a few minutes in a long day stays visible (tooltips and
    tables keep the true end)."""
    if bands.is_empty():
        return bands.with_columns(pl.col("end").alias("shown_end"))
    first, last = bands["start"].min(), bands["end"].max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    least = max((last - first) * MIN_BAR_SHARE, dt.timedelta(seconds=10))
    return bands.with_columns(
        pl.max_horizontal(pl.col("end"), pl.col("start") + pl.lit(least)).alias("shown_end")
    )


def day_timeline(bands: pl.DataFrame, shots: pl.DataFrame) -> alt.LayerChart:
    """One person's day: lanes of intervals plus screenshot markers that can be clicked.

    `bands` has `lane` (Session / Activity / App), `start`, `end`, `kind` (working, paused,
    active, idle, or an app's category) and `label`;
    `shots` has `ts`, `capture_id` and `app`. Clicking a marker selects its `capture_id`.
    """
    lanes = ["Session", "Activity", "App", "Screenshots"]
    y = alt.Y("lane:N", sort=lanes, title=None, scale=alt.Scale(domain=lanes))
    colors = BAND_COLORS | CATEGORY_COLORS
    bars = (
        alt.Chart(visible_bands(bands))
        .mark_bar(height=22)
        .encode(
            x=alt.X(
                "start:T", title="UTC", scale=alt.Scale(type="utc"), axis=alt.Axis(format="%H:%M")
            ),
            x2="shown_end:T",
            y=y,
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                "label:N",
                "kind:N",
                alt.Tooltip("start:T", format="%H:%M"),
                alt.Tooltip("end:T", format="%H:%M"),
            ],
        )
    )
    pick = alt.selection_point(name=SCREENSHOT_SELECTION, fields=["capture_id"], on="click")
    markers = (
        alt.Chart(shots.with_columns(pl.lit("Screenshots").alias("lane")))
        .mark_point(shape="triangle-down", size=120, filled=True, color="#6a1b9a")
        .encode(
            x=alt.X("ts:T", scale=alt.Scale(type="utc")),
            y=y,
            tooltip=[alt.Tooltip("ts:T", format="%H:%M:%S"), "app:N"],
        )
        .add_params(pick)
    )
    layered: alt.LayerChart = alt.LayerChart(layer=[bars, markers]).properties(
        height=320, title="Day"
    )
    return layered
