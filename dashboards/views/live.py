"""Live: who is working right now, refreshed every few seconds without reloading the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from dashboards import auth, context, directory, resources
from dashboards.api_client import ApiError, ApiUnreachable, SessionExpired

WORKING = ("working", "idle")  # heartbeat statuses of a running, unpaused session


def presence_table(presence: list[dict[str, Any]], names: dict[str, str]) -> pl.DataFrame:
    """One row per person in `names` with a device: their most recently seen device's status,
    session start, current app and last seen (newest first). Offline devices say "offline"."""
    rows = [
        {
            "person": names[str(p["user_id"])],
            "user_id": str(p["user_id"]),
            "status": str(p.get("status") or "offline") if p.get("online") else "offline",
            "session_id": p.get("session_id"),
            "session_started_at": _when(p.get("session_started_at")),
            "current_app": p.get("current_app") or "",
            "last_seen_at": _when(p.get("last_seen_at")),
        }
        for p in presence
        if str(p.get("user_id")) in names
    ]
    when = pl.Datetime("us", "UTC")
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "person": pl.String, "user_id": pl.String, "status": pl.String, "session_id": pl.String,
        "session_started_at": when, "current_app": pl.String, "last_seen_at": when,
    }  # fmt: skip
    table = pl.DataFrame(rows, schema=schema).sort("last_seen_at", descending=True, nulls_last=True)
    return table.unique("user_id", keep="first", maintain_order=True)


def working_now(table: pl.DataFrame) -> pl.DataFrame:
    """The people online in an open, unpaused session."""
    return table.filter(pl.col("status").is_in(WORKING) & pl.col("session_id").is_not_null())


def _when(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)


def render_board(ctx: context.PageContext) -> None:
    table = presence_table(directory.presence(ctx.api), ctx.names)
    working = working_now(table)
    st.metric("Working now", working.height)
    st.dataframe(
        table.drop("user_id", "session_id"),
        hide_index=True,
        column_config={
            "session_started_at": st.column_config.DatetimeColumn("session start", format="HH:mm"),
            "last_seen_at": st.column_config.DatetimeColumn("last seen", format="HH:mm:ss"),
        },
        key="live_table",
    )
    st.caption(f"Updated {dt.datetime.now(dt.UTC):%H:%M:%S} UTC")
    if ctx.viewer.is_manager and working.height:  # the API scopes sub-admins to their teams
        render_force_end(ctx, working)


def render_force_end(ctx: context.PageContext, working: pl.DataFrame) -> None:
    with st.expander("End a session"):
        choice = st.selectbox(
            "Person", working["user_id"].to_list(), format_func=ctx.name_of, key="force_end_who"
        )
        if st.button("End their session now", type="primary", key="force_end"):
            session_id = working.filter(pl.col("user_id") == choice)["session_id"][0]
            try:
                directory.force_end_session(ctx.api, str(choice), str(session_id))
            except ApiError as e:
                st.error(f"The session was not ended: {e.message}")
                return
            st.success(f"Ended the session of {ctx.name_of(str(choice))}.")


def render() -> None:
    ctx = context.page_context()
    st.title("Live")
    seconds = resources.settings().live_refresh_seconds

    @st.fragment(run_every=seconds)
    def board() -> None:
        # A fragment's own reruns do not pass through the router's handlers.
        try:
            render_board(ctx)
        except SessionExpired as e:
            auth.forget(e.message)
            st.rerun(scope="app")
        except ApiError as e:
            st.error(e.message)
        except ApiUnreachable as e:
            st.error(str(e))

    board()


if __name__ == "__main__":
    render()
