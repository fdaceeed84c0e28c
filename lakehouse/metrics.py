"""The metric definitions dashboards and notebooks share — defined here once.

Time is always attributed by sample length (`duration_seconds`), never by counting rows. The
collector records samples only while a work session runs and is not paused. Per sample:

- **worked** = `duration_seconds`.
- **idle** = `idle_seconds` clipped to [0, duration]: the part of the sample inside an idle
  period (no input for the company's idle threshold). **active** = worked − idle.
- **input** = `duration_seconds` of samples with any keyboard or mouse input (keystrokes,
  clicks, scrolls or mouse movement > 0).
- **activity %** = 100 × Σ input / Σ worked: the share of worked time whose samples saw input.
  (With 10-second samples a person typing or moving the mouse at least once every 10 s scores
  100 %; one who reads without touching anything scores lower without being idle.)
- **app / domain time** = active seconds per app / domain (idle time is nobody's app).
- **paused** (from `sessions`) = time from a ``pause`` event to the next ``resume``, ``end`` or
  ``force_end`` of the same session.

Functions take a connection from `lakehouse.connect`, a company, a half-open day range
``[start, end)`` (UTC dates) and optional users, and return lazy DuckDB relations (call
``.to_arrow_table()``, ``.pl()`` or ``.df()``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import duckdb

IDLE: Final = "least(greatest(idle_seconds, 0), duration_seconds)"
ACTIVE: Final = f"(duration_seconds - {IDLE})"
HAS_INPUT: Final = "(keystrokes > 0 OR clicks > 0 OR scrolls > 0 OR mouse_distance_px > 0)"

# Per-user-per-day sums over samples (`source`: a table of activity rows with a `day`).
# Compaction stores these next to each activity part (`lakehouse.rollups`), so dashboards sum a
# few thousand rows instead of millions; connections compute them for not-yet-compacted rows.
DAILY_PARTS_SQL: Final = f"""
SELECT company_id, user_id, day,
       sum(duration_seconds)::DOUBLE AS worked_seconds,
       sum({ACTIVE})::DOUBLE AS active_seconds,
       sum({IDLE})::DOUBLE AS idle_seconds,
       sum(CASE WHEN {HAS_INPUT} THEN duration_seconds ELSE 0 END)::DOUBLE AS input_seconds,
       sum(keystrokes)::BIGINT AS keystrokes, sum(clicks)::BIGINT AS clicks,
       sum(scrolls)::BIGINT AS scrolls, sum(mouse_distance_px)::BIGINT AS mouse_distance_px,
       min(ts) AS first_seen_at,
       max(ts + to_microseconds((duration_seconds * 1e6)::BIGINT)) AS last_seen_at,
       count(*) AS samples
FROM {{source}}
GROUP BY company_id, user_id, day
"""  # noqa: S608 (constants and bound parameters only)

APP_PARTS_SQL: Final = f"""
SELECT company_id, user_id, day, app, domain,
       sum({ACTIVE})::DOUBLE AS active_seconds, count(*) AS samples
FROM {{source}}
GROUP BY company_id, user_id, day, app, domain
"""  # noqa: S608 (constants and bound parameters only)

# Active seconds per window title, for productivity rules that match titles (`categories`).
TITLE_PARTS_SQL: Final = f"""
SELECT company_id, user_id, day, app, domain, title, sum({ACTIVE})::DOUBLE AS active_seconds
FROM {{source}}
GROUP BY company_id, user_id, day, app, domain, title
"""  # noqa: S608 (constants and bound parameters only)

DAILY_SUMMARY_SQL: Final = """
SELECT company_id, user_id, day,
       sum(worked_seconds) AS worked_seconds, sum(active_seconds) AS active_seconds,
       sum(idle_seconds) AS idle_seconds, sum(input_seconds) AS input_seconds,
       round(100 * sum(input_seconds) / nullif(sum(worked_seconds), 0), 1) AS activity_percent,
       sum(keystrokes) AS keystrokes, sum(clicks) AS clicks, sum(scrolls) AS scrolls,
       sum(mouse_distance_px) AS mouse_distance_px,
       min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at,
       sum(samples) AS samples
FROM daily_parts
GROUP BY company_id, user_id, day
"""

APP_USAGE_SQL: Final = """
SELECT company_id, user_id, day, coalesce(app, '[unknown]') AS app,
       sum(active_seconds) AS active_seconds, sum(samples) AS samples
FROM app_parts
GROUP BY ALL
"""

DOMAIN_USAGE_SQL: Final = """
SELECT company_id, user_id, day, domain,
       sum(active_seconds) AS active_seconds, sum(samples) AS samples
FROM app_parts
WHERE domain IS NOT NULL
GROUP BY ALL
"""

PAUSES_SQL: Final = """
SELECT company_id, user_id, day, session_id, ts AS paused_at, next_ts AS resumed_at,
       epoch(next_ts - ts)::DOUBLE AS paused_seconds
FROM (
    SELECT *, lead(ts) OVER w AS next_ts, lead(kind) OVER w AS next_kind
    FROM sessions WHERE kind IN ('start', 'pause', 'resume', 'end', 'force_end')
    WINDOW w AS (PARTITION BY session_id ORDER BY ts)
)
WHERE kind = 'pause' AND next_kind IN ('resume', 'end', 'force_end')
"""

# Views every connection has (`lakehouse.connect`), over `daily_parts` and `app_parts`.
VIEWS: Final = {
    "daily_summary": DAILY_SUMMARY_SQL,
    "app_usage": APP_USAGE_SQL,
    "domain_usage": DOMAIN_USAGE_SQL,
    "pauses": PAUSES_SQL,
}


def where(
    company_id: str, start: dt.date, end: dt.date, user_ids: Sequence[str] | None = None
) -> tuple[str, list[Any]]:
    """Return a WHERE clause on company, ``[start, end)`` days and users, with its parameters.

    Filters name the partition columns (`company_id`, `day`), so whole folders are skipped.
    """
    clause = "company_id = ? AND day >= ? AND day < ?"
    params: list[Any] = [company_id, start, end]
    if user_ids is not None:
        users = list(user_ids)
        if not users:
            return clause + " AND FALSE", params
        clause += f" AND user_id IN ({', '.join('?' * len(users))})"
        params += users
    return clause, params


def _select(
    con: duckdb.DuckDBPyConnection,
    view: str,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None,
    order: str,
) -> duckdb.DuckDBPyRelation:
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(f"SELECT * FROM {view} WHERE {clause} ORDER BY {order}", params=params)  # noqa: S608 (constants and bound parameters only)


def daily_summary(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per user per day: worked/active/idle/input seconds, activity %, counts, first/last seen."""
    return _select(con, "daily_summary", company_id, start, end, user_ids, "day, user_id")


def daily_totals(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per day for the company (or the users): people, worked/active/idle seconds, activity %."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT day, count(DISTINCT user_id) AS people,
                   sum(worked_seconds) AS worked_seconds, sum(active_seconds) AS active_seconds,
                   sum(idle_seconds) AS idle_seconds,
                   round(100 * sum(input_seconds) / nullif(sum(worked_seconds), 0), 1)
                       AS activity_percent
            FROM daily_summary WHERE {clause} GROUP BY day ORDER BY day""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def paused_seconds(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per user per day: seconds of work sessions spent paused."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT company_id, user_id, day, sum(paused_seconds) AS paused_seconds
            FROM pauses WHERE {clause} GROUP BY ALL ORDER BY day, user_id""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def app_usage(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per user and app over the range: active seconds (largest first)."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT user_id, app, sum(active_seconds) AS active_seconds
            FROM app_usage WHERE {clause} GROUP BY ALL ORDER BY user_id, active_seconds DESC""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def domain_usage(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per user and domain over the range: active seconds (largest first)."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT user_id, domain, sum(active_seconds) AS active_seconds
            FROM domain_usage WHERE {clause} GROUP BY ALL
            ORDER BY user_id, active_seconds DESC""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def top_apps(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
    limit: int = 10,
) -> duckdb.DuckDBPyRelation:
    """The `limit` apps with most active time per user over the range, ranked."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT user_id, app, active_seconds, rank FROM (
                SELECT user_id, app, sum(active_seconds) AS active_seconds,
                       row_number() OVER (PARTITION BY user_id
                                          ORDER BY sum(active_seconds) DESC, app) AS rank
                FROM app_usage WHERE {clause} GROUP BY user_id, app)
            WHERE rank <= {int(limit)} ORDER BY user_id, rank""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )
