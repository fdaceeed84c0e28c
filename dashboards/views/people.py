"""People: per person over a period — worked, active, idle, paused, activity, productive share."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import context, data

COLUMNS = {
    "person": st.column_config.TextColumn("person"),
    "worked_hours": st.column_config.NumberColumn("worked h", format="%.2f"),
    "active_hours": st.column_config.NumberColumn("active h", format="%.2f"),
    "idle_hours": st.column_config.NumberColumn("idle h", format="%.2f"),
    "paused_hours": st.column_config.NumberColumn("paused h", format="%.2f"),
    "activity_pct": st.column_config.ProgressColumn(
        "activity %", min_value=0, max_value=100, format="%.0f"
    ),
    "productive_pct": st.column_config.NumberColumn("productive %", format="%.0f"),
    "top_app": st.column_config.TextColumn("top app"),
}


def people_table(summary: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """The summary with a person's name first, everyone in scope listed (zeros when absent)."""
    everyone = pl.DataFrame({"user_id": list(names), "person": list(names.values())})
    table = everyone.join(summary, on="user_id", how="left")
    numbers = [c for c in COLUMNS if c not in ("person", "top_app")]
    return table.with_columns(pl.col(numbers).fill_null(0.0)).select("user_id", *COLUMNS)


def render() -> None:
    ctx = context.page_context()
    st.title("People")
    left, right = st.columns(2)
    with left:
        period = context.period_picker("people_period")
    with right:
        members = context.team_filter(ctx, "people_team")
    categories = context.categories(ctx)
    summary = data.people_summary(ctx.scope, period, categories, ctx.team_of)
    names = {k: v for k, v in ctx.names.items() if members is None or k in members}
    table = people_table(summary, names).sort("worked_hours", descending=True)
    context.data_as_of(ctx)
    st.dataframe(table.drop("user_id"), hide_index=True, column_config=COLUMNS, key="people_table")
    st.download_button(
        "Download CSV",
        table.write_csv(),
        file_name=f"people-{period.first}-{period.last}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="people_csv",
    )


if __name__ == "__main__":
    render()
