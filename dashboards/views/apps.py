"""Apps & sites: time per app and domain by category, the trend, and inline category edits."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, context, data, directory
from dashboards.api_client import ApiError

CATEGORY_NAMES = ["productive", "neutral", "unproductive"]


def changed_categories(before: pl.DataFrame, after: pl.DataFrame) -> dict[str, str]:
    """The names whose category the editor changed: {name: new category}."""
    old = dict(zip(before["name"], before["category"], strict=True))
    return {
        str(name): str(category)
        for name, category in zip(after["name"], after["category"], strict=True)
        if category in CATEGORY_NAMES and old.get(name) != category
    }


def render_usage(ctx: context.PageContext, usage: pl.DataFrame, kind: str) -> None:
    """The table of one kind (app or domain); admins edit the category column in place."""
    label = "App" if kind == "app" else "Site"
    st.altair_chart(
        charts.share_bars(usage.head(15), "name", f"Time per {label.lower()}"), width="stretch"
    )
    config = {
        "name": st.column_config.TextColumn(label, disabled=True),
        "hours": st.column_config.NumberColumn("hours", format="%.2f", disabled=True),
        "category": st.column_config.SelectboxColumn("category", options=CATEGORY_NAMES),
    }
    if not ctx.viewer.is_admin:
        st.dataframe(usage, hide_index=True, column_config=config, key=f"usage_{kind}")
        return
    edited = st.data_editor(usage, hide_index=True, column_config=config, key=f"edit_{kind}")
    changes = changed_categories(usage, edited)
    if changes and st.button(
        f"Save {len(changes)} category change(s)", key=f"save_{kind}", type="primary"
    ):
        document = directory.with_categories(context.rules(ctx), kind, changes)
        try:
            directory.save_rules(ctx.api, document)
        except ApiError as e:
            st.error(f"The categories were not saved: {e.message}")
            return
        context.forget_rules()
        st.cache_data.clear()
        st.success("Categories saved; the collectors get them with their next rules.")
        st.rerun()


def render() -> None:
    ctx = context.page_context()
    st.title("Apps & sites")
    period = context.period_picker("apps_period")
    categories = context.categories(ctx)
    trend = data.category_trend(ctx.scope, period, categories, ctx.team_of)
    context.data_as_of(ctx)
    st.altair_chart(charts.category_trend(trend), width="stretch")
    apps_tab, sites_tab = st.tabs(["Apps", "Sites"])
    with apps_tab:
        render_usage(ctx, data.usage(ctx.scope, period, "app", categories, limit=200), "app")
    with sites_tab:
        render_usage(ctx, data.usage(ctx.scope, period, "domain", categories, limit=200), "domain")


if __name__ == "__main__":
    render()
