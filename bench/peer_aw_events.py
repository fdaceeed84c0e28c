"""One person's samples as ActivityWatch events, and the query2 that sums time per app.

Each activity sample becomes a window event (its app, the sample's length) and its active part
a not-AFK period (the idle part an AFK period), merged into runs as aw-watcher-afk reports them.
Where in a sample the idle part lies does not change any total: a window event spans its whole
sample, so its intersection with the not-AFK runs is the sample's active seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path
from typing import Any

from peer_activitywatch import post_json

from lakehouse.engine import connect
from lakehouse.keys import KeyStore

WINDOW_BUCKET = "aw-watcher-window_peer"
AFK_BUCKET = "aw-watcher-afk_peer"
INSERT_CHUNK = 5_000
QUERY = [
    f'window = flood(query_bucket("{WINDOW_BUCKET}"));',
    f'afk = flood(query_bucket("{AFK_BUCKET}"));',
    'not_afk = filter_keyvals(afk, "status", ["not-afk"]);',
    "window = filter_period_intersect(window, not_afk);",
    'apps = merge_events_by_keys(window, ["app"]);',
    "RETURN = sort_by_duration(apps);",
]
Sample = tuple[int, float, float, str]  # start (µs since epoch), seconds, idle seconds, app


def user_samples(root: Path, keys: KeyStore, company_id: str, user_id: str) -> list[Sample]:
    con = connect(root.as_uri(), keys, company_id=company_id)
    try:
        return [
            (int(us), float(seconds), float(idle), str(app))
            for us, seconds, idle, app in con.execute(
                """SELECT epoch_us(ts), duration_seconds,
                          least(greatest(idle_seconds, 0), duration_seconds),
                          coalesce(app, '[unknown]')
                   FROM activity WHERE user_id = ? ORDER BY ts""",
                [user_id],
            ).fetchall()
        ]
    finally:
        con.close()


def iso(us: float) -> str:
    return dt.datetime.fromtimestamp(us / 1e6, dt.UTC).isoformat()


def event(start_us: float, seconds: float, data: dict[str, str]) -> dict[str, Any]:
    return {"timestamp": iso(start_us), "duration": seconds, "data": data}


def afk_runs(samples: list[Sample]) -> list[dict[str, Any]]:
    """not-afk / afk periods: each sample's active part then its idle part, merged into runs."""
    runs: list[list[Any]] = []  # [status, start µs, end µs]
    for start, seconds, idle, _app in samples:
        active_end = start + (seconds - idle) * 1e6
        for status, begin, end in (
            ("not-afk", start, active_end),
            ("afk", active_end, start + seconds * 1e6),
        ):
            if end <= begin:
                continue
            if runs and runs[-1][0] == status and runs[-1][2] == begin:
                runs[-1][2] = end
            else:
                runs.append([status, begin, end])
    return [event(b, (e - b) / 1e6, {"status": s}) for s, b, e in runs]


def insert(port: int, bucket: str, bucket_type: str, events: list[dict[str, Any]]) -> None:
    post_json(
        port,
        f"/api/0/buckets/{bucket}",
        {"client": "teamtreck-bench", "type": bucket_type, "hostname": "peer"},
    )
    for i in range(0, len(events), INSERT_CHUNK):
        post_json(port, f"/api/0/buckets/{bucket}/events", events[i : i + INSERT_CHUNK])


def load_into_aw(port: int, root: Path, keys: KeyStore, company_id: str, user_id: str) -> int:
    """Insert every sample of the user (all days) into aw-server; returns the events inserted."""
    samples = user_samples(root, keys, company_id, user_id)
    windows = [event(s, sec, {"app": app, "title": ""}) for s, sec, _idle, app in samples]
    periods = afk_runs(samples)
    insert(port, WINDOW_BUCKET, "currentwindow", windows)
    insert(port, AFK_BUCKET, "afkstatus", periods)
    return len(windows) + len(periods)


def aw_app_seconds(port: int, day: dt.date) -> dict[str, float]:
    """POST /api/0/query/ for the UTC day; active seconds per app."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    period = f"{start.isoformat()}/{(start + dt.timedelta(days=1)).isoformat()}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/0/query/",
        data=json.dumps({"query": QUERY, "timeperiods": [period]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.loads(response.read())
    return {str(e["data"]["app"]): float(e["duration"]) for e in answer[0]}
