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


if __name__ == "__main__":
    render()
