"""Overview: the headline figures of today and this week, daily charts, the day's top apps."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboards import charts, context, data, directory
from dashboards.views import live


def render() -> None:
    ctx = context.page_context()
    st.title("Overview")
    today = context.today()
    figures = data.overview_figures(ctx.scope, today)
    context.data_as_of(ctx)
    working = live.working_now(live.presence_table(directory.presence(ctx.api), ctx.names))
    row = st.columns(7)
    row[0].metric("People", len(ctx.people))
    row[1].metric("Working now", working.height)
    row[2].metric("Active today", figures.people_active)
    row[3].metric("Hours today", f"{figures.hours_today:.1f}")
    row[4].metric("Hours this week", f"{figures.hours_week:.1f}")
    row[5].metric("Avg activity", f"{figures.activity_pct:.0f} %")
    row[6].metric("Screenshots today", figures.screenshots_today)

    period = data.Period(today - dt.timedelta(days=13), today)
    daily = data.daily_totals(ctx.scope, period)
    left, right = st.columns(2)
    left.altair_chart(charts.hours_per_day(daily), width="stretch")
    right.altair_chart(charts.activity_per_day(daily), width="stretch")

    categories = context.categories(ctx)
    day = data.Period(today, today)
    left, right = st.columns(2)
    apps = data.usage(ctx.scope, day, "app", categories, limit=10)
    domains = data.usage(ctx.scope, day, "domain", categories, limit=10)
    left.altair_chart(charts.share_bars(apps, "name", "Top apps today"), width="stretch")
    right.altair_chart(charts.share_bars(domains, "name", "Top sites today"), width="stretch")


if __name__ == "__main__":
    render()
