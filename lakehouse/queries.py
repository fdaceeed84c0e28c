"""The questions dashboards and notebooks ask, over a connection from `lakehouse.connect`.

Every function scopes by company, returns a lazy DuckDB relation (``.to_arrow_table()``, ``.pl()``,
``.df()``) and uses the metric definitions of `lakehouse.metrics`. Day ranges are half-open
``[start, end)`` UTC dates; `user_ids=None` means everyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from lakehouse.crypto.envelope import open_image
from lakehouse.metrics import ACTIVE, HAS_INPUT, IDLE, where

if TYPE_CHECKING:
    import duckdb

    from lakehouse.engine import Lake


def _one_day(company_id: str, user_id: str, day: dt.date) -> tuple[str, list[object]]:
    clause, params = where(company_id, day, day + dt.timedelta(days=1), [user_id])
    return clause, params


def timeline(
    con: duckdb.DuckDBPyConnection, company_id: str, user_id: str, day: dt.date
) -> duckdb.DuckDBPyRelation:
    """One person's day as segments: consecutive samples with the same app and status merged.

    Columns: started_at, ended_at, seconds, status, app, title, domain, keystrokes, clicks,
    scrolls, mouse_distance_px.
    """
    clause, params = _one_day(company_id, user_id, day)
    return con.sql(
        f"""
        WITH s AS (
            SELECT *, ts + to_microseconds((duration_seconds * 1e6)::BIGINT) AS ends_at,
                   lag(ts + to_microseconds((duration_seconds * 1e6)::BIGINT)) OVER w AS prev_end,
                   lag(app) OVER w AS prev_app, lag(status) OVER w AS prev_status
            FROM activity WHERE {clause} WINDOW w AS (ORDER BY ts)),
        g AS (
            SELECT *, sum(CASE WHEN prev_app IS NOT DISTINCT FROM app AND prev_status = status
                               AND ts <= prev_end + INTERVAL 1 SECOND THEN 0 ELSE 1 END)
                      OVER (ORDER BY ts) AS segment
            FROM s)
        SELECT min(ts) AS started_at, max(ends_at) AS ended_at,
               sum(duration_seconds)::DOUBLE AS seconds, any_value(status) AS status,
               any_value(app) AS app, arg_min(title, ts) AS title, arg_min(domain, ts) AS domain,
               sum(keystrokes) AS keystrokes, sum(clicks) AS clicks, sum(scrolls) AS scrolls,
               sum(mouse_distance_px) AS mouse_distance_px
        FROM g GROUP BY segment ORDER BY started_at""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def samples(
    con: duckdb.DuckDBPyConnection, company_id: str, user_id: str, day: dt.date
) -> duckdb.DuckDBPyRelation:
    """One person's samples of one day, in time order (every column)."""
    clause, params = _one_day(company_id, user_id, day)
    return con.sql(f"SELECT * FROM activity WHERE {clause} ORDER BY ts", params=params)  # noqa: S608 (constants and bound parameters only)


def session_intervals(
    con: duckdb.DuckDBPyConnection, company_id: str, user_id: str, day: dt.date
) -> duckdb.DuckDBPyRelation:
    """One person's work sessions of a day as intervals: state (working|paused), from, until."""
    clause, params = _one_day(company_id, user_id, day)
    return con.sql(
        f"""
        SELECT session_id,
               CASE WHEN kind IN ('start', 'resume') THEN 'working' ELSE 'paused' END AS state,
               ts AS started_at, next_ts AS ended_at
        FROM (SELECT *, lead(ts) OVER (PARTITION BY session_id ORDER BY ts) AS next_ts
              FROM sessions
              WHERE {clause} AND kind IN ('start', 'pause', 'resume', 'end', 'force_end'))
        WHERE kind IN ('start', 'resume', 'pause') ORDER BY started_at""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def screenshots(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Screenshot rows (capture_id, user_id, ts, app, title, object_path, size…), by time."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT capture_id, user_id, ts, display_id, display_label, width, height, format,
                   size_bytes, blurred, app, title, object_path
            FROM screenshots WHERE {clause} ORDER BY ts""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def open_screenshot(lake: Lake, object_path: str) -> bytes:
    """Return the decrypted image (JPEG/WebP bytes) a screenshot row's `object_path` names."""
    return open_image(lake.store.get_bytes(object_path), lake.key_store, object_path)


def activity_by_hour(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Worked, active and input seconds per UTC hour of day (0-23) over the range."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT hour(ts) AS hour_utc, sum(duration_seconds)::DOUBLE AS worked_seconds,
                   sum({ACTIVE})::DOUBLE AS active_seconds,
                   sum(CASE WHEN {HAS_INPUT} THEN duration_seconds ELSE 0 END)::DOUBLE
                       AS input_seconds
            FROM activity WHERE {clause} GROUP BY 1 ORDER BY 1""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def input_cadence(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per person, how their input varies from sample to sample (machines barely vary).

    Over samples with input: mean and standard deviation of keystrokes, clicks and mouse
    distance, the number of distinct click counts, and the share of samples with keystrokes.
    A mouse jiggler or auto-clicker shows ~0 deviation, few distinct values, no keystrokes.
    """
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""SELECT user_id, count(*) AS samples,
                   avg(keystrokes) AS keystrokes_mean, stddev_pop(keystrokes) AS keystrokes_std,
                   avg(clicks) AS clicks_mean, stddev_pop(clicks) AS clicks_std,
                   avg(mouse_distance_px) AS mouse_mean,
                   stddev_pop(mouse_distance_px) AS mouse_std,
                   count(DISTINCT clicks) AS distinct_click_counts,
                   avg(CASE WHEN keystrokes > 0 THEN 1 ELSE 0 END) AS keystroke_share
            FROM activity WHERE {clause} AND {HAS_INPUT}
            GROUP BY user_id ORDER BY user_id""",  # noqa: S608 (constants and bound parameters only)
        params=params,
    )


def interruptions(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per person and day: app switches, idle seconds and pauses/idle breaks from sessions."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""
        WITH switches AS (
            SELECT user_id, day,
                   sum(CASE WHEN app IS DISTINCT FROM prev_app THEN 1 ELSE 0 END) - 1
                       AS app_switches,
                   sum({IDLE})::DOUBLE AS idle_seconds
            FROM (SELECT *, lag(app) OVER (PARTITION BY user_id, day ORDER BY ts) AS prev_app
                  FROM activity WHERE {clause})
            GROUP BY ALL),
        events AS (
            SELECT user_id, day, count(*) FILTER (kind = 'pause') AS pauses,
                   count(*) FILTER (kind = 'idle_start') AS idle_breaks
            FROM sessions WHERE {clause} GROUP BY ALL)
        SELECT s.user_id, s.day, s.app_switches, s.idle_seconds,
               coalesce(e.pauses, 0) AS pauses, coalesce(e.idle_breaks, 0) AS idle_breaks
        FROM switches s LEFT JOIN events e USING (user_id, day)
        ORDER BY s.day, s.user_id""",  # noqa: S608 (constants and bound parameters only)
        params=params + params,
    )


def session_lengths(
    con: duckdb.DuckDBPyConnection,
    company_id: str,
    start: dt.date,
    end: dt.date,
    user_ids: Sequence[str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Per work session: user, start, end, length and paused seconds."""
    clause, params = where(company_id, start, end, user_ids)
    return con.sql(
        f"""
        SELECT s.user_id, s.session_id, s.started_at, s.ended_at,
               epoch(s.ended_at - s.started_at)::DOUBLE AS session_seconds,
               coalesce(p.paused_seconds, 0) AS paused_seconds
        FROM (SELECT user_id, session_id, min(ts) AS started_at, max(ts) AS ended_at
              FROM sessions WHERE {clause} GROUP BY ALL) s
        LEFT JOIN (SELECT session_id, sum(paused_seconds) AS paused_seconds
                   FROM pauses WHERE {clause} GROUP BY ALL) p USING (session_id)
        ORDER BY s.started_at""",  # noqa: S608 (constants and bound parameters only)
        params=params + params,
    )


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run any SQL over the lake's views and return the result as an Arrow table."""
    return con.sql(sql).to_arrow_table()
