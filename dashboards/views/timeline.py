"""Timeline: one person's day — sessions and pauses, active/idle bands, apps, screenshots."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards import charts, context, data, directory, images, productivity


def render_screenshot(
    ctx: context.PageContext, user_id: str, day: dt.date, capture_id: str
) -> None:
    """Show one screenshot in full, after recording the view in the audit log."""
    directory.record_access(ctx.api, user_id, "screenshots", f"view {day} {capture_id}")
    st.image(images.full_size(ctx.scope, user_id, day, capture_id), width="stretch")


def color_apps(bands: pl.DataFrame, categories: productivity.Categories) -> pl.DataFrame:
    """Colour the App lane by each app's category (the other lanes keep their kind)."""
    apps = bands.filter(pl.col("lane") == "App")
    labelled = productivity.label(apps, "label", categories, "app")
    recoloured = labelled.with_columns(pl.col("category").alias("kind")).drop("category")
    return pl.concat([bands.filter(pl.col("lane") != "App"), recoloured])


SEGMENT_COLUMNS = {
    "started_at": st.column_config.DatetimeColumn("start", format="HH:mm:ss"),
    "ended_at": st.column_config.DatetimeColumn("end", format="HH:mm:ss"),
    "duration": st.column_config.TextColumn("duration"),
    "status": st.column_config.TextColumn("active/idle"),
    "app": st.column_config.TextColumn("app"),
    "title": st.column_config.TextColumn("window title"),
    "domain": st.column_config.TextColumn("site"),
    "keystrokes": st.column_config.NumberColumn("keys"),
    "clicks": st.column_config.NumberColumn("clicks"),
    "scrolls": st.column_config.NumberColumn("scrolls"),
    "mouse_distance_px": st.column_config.NumberColumn("mouse px"),
    "screenshots": st.column_config.NumberColumn("screenshots"),
}


INPUT_COUNTS = ["keystrokes", "clicks", "scrolls", "mouse_distance_px"]


def readable_duration(seconds: float) -> str:
    """`1 h 05 min`, `4 min 10 s`, `30 s`: what a manager reads at a glance."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def titles_allowed(rules: dict[str, object]) -> bool:
    """Whether the company's rules let window titles be shown (the collector's own switch)."""
    tracking = rules.get("tracking")
    return not (isinstance(tracking, dict) and tracking.get("titles") is False)


def segment_table(segments: pl.DataFrame, shots: pl.DataFrame, show_titles: bool) -> pl.DataFrame:
    """The day's segments as a manager reads them, one row per stretch of one app and status:
    start, end, duration, active/idle, app, title (when allowed), site, input counts and how
    many screenshots were taken during it."""
    times = shots["ts"]
    counts = [
        int(((times >= start) & (times < end)).sum())
        for start, end in zip(segments["started_at"], segments["ended_at"], strict=True)
    ]
    table = segments.with_columns(
        pl.col("seconds").map_elements(readable_duration, return_dtype=pl.String).alias("duration"),
        pl.col("app").fill_null("[unknown]"),
        pl.col(INPUT_COUNTS).cast(pl.Int64),  # sums come as decimals from the lake
        pl.Series("screenshots", counts, pl.Int64),
    )
    columns = [c for c in SEGMENT_COLUMNS if show_titles or c != "title"]
    return table.select(columns)


def picked_capture(event: object) -> str | None:
    """The capture id of the clicked screenshot marker, if any."""
    selection = getattr(event, "selection", None) or {}
    points = selection.get(charts.SCREENSHOT_SELECTION) if isinstance(selection, dict) else None
    if isinstance(points, list) and points:
        value = points[0].get("capture_id")
        return str(value) if value else None
    return None


def render() -> None:
    ctx = context.page_context()
    st.title("Timeline" if ctx.viewer.is_manager else "My day")
    left, right = st.columns(2)
    with left:
        user_id = context.person_picker(ctx, "timeline_person")
    with right:
        day = st.date_input(
            "Day (UTC)", value=context.today(), max_value=context.today(), key="timeline_day"
        )
    if user_id is None or not isinstance(day, dt.date):
        return
    bands = data.day_bands(ctx.scope, user_id, day)
    shots = data.screenshots(ctx.scope, user_id, day)
    context.data_as_of(ctx)
    if bands.is_empty():
        st.info(f"Nothing recorded for {ctx.name_of(user_id)} on {day}.")
        return
    totals = data.person_day(ctx.scope, user_id, day)
    row = st.columns(4)
    row[0].metric("Worked", f"{totals.worked_hours:.2f} h")
    row[1].metric("Active", f"{totals.active_hours:.2f} h")
    row[2].metric("Paused", f"{totals.paused_hours:.2f} h")
    row[3].metric("Screenshots", shots.height)
    bands = color_apps(bands, context.categories(ctx))
    event = st.altair_chart(
        charts.day_timeline(bands, shots), width="stretch", on_select="rerun", key="timeline_chart"
    )
    capture = picked_capture(event)
    if capture is None and shots.height and ctx.viewer.is_manager:
        options = ["", *shots["capture_id"].to_list()]
        times = dict(zip(shots["capture_id"], shots["ts"], strict=True))
        capture = (
            st.selectbox(
                "Open a screenshot",
                options,
                key="timeline_shot",
                format_func=lambda c: f"{times[c]:%H:%M:%S}" if c else "—",
            )
            or None
        )
    if capture and ctx.viewer.is_manager:
        render_screenshot(ctx, user_id, day, capture)
    st.subheader("What happened")
    segments = data.day_segments(ctx.scope, user_id, day)
    st.dataframe(
        segment_table(segments, shots, titles_allowed(context.rules(ctx))),
        hide_index=True,
        column_config=SEGMENT_COLUMNS,
        key="timeline_segments",
    )


if __name__ == "__main__":
    render()
