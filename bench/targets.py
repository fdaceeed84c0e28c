"""Every benchmark bench/run.py knows, the figures it reads from each, their targets and peers.

A benchmark is a script in bench/ whose last line of output is `BENCH_JSON {"name": number, …}`
(units in the names). A figure names one of those numbers, the target it must meet (a test on
the number, shown as text) and, where a peer does the same job, the name of the peer's number
measured in the same run.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bench:
    name: str
    script: str  # in bench/
    quick_args: tuple[str, ...] = ("--quick",)
    full_args: tuple[str, ...] = ()
    quick_timeout_seconds: float = 600.0
    full_timeout_seconds: float = 3600.0


@dataclass(frozen=True)
class Target:
    text: str
    test: Callable[[float], bool]


def at_least(limit: float, unit: str = "") -> Target:
    return Target(f"≥ {limit:,g}{unit}", lambda v: operator.ge(v, limit))


def at_most(limit: float, unit: str = "") -> Target:
    return Target(f"≤ {limit:,g}{unit}", lambda v: operator.le(v, limit))


def equal(value: float, text: str) -> Target:
    return Target(text, lambda v: v == value)


@dataclass(frozen=True)
class Figure:
    bench: str
    key: str  # the name in the bench's BENCH_JSON
    label: str
    target: Target | None = None
    peer_key: str | None = None  # the peer's figure in the same BENCH_JSON
    peer_name: str = ""
    beat_peer: str = ""  # "lower" / "higher": must also be better than the peer


BENCHES: tuple[Bench, ...] = (
    Bench("crypto", "bench_crypto.py"),
    Bench("api", "bench_api.py"),
    Bench("fleet", "load_fleet.py"),
    Bench("peer_query", "peer_query.py"),
    Bench("lakehouse", "bench_lakehouse.py"),
    Bench("collector", "bench_collector.py", quick_args=("--seconds", "30")),
    Bench("collector_app", "bench_collector_app.py"),
    Bench("screenshots", "bench_screenshots.py", quick_args=("--rounds", "3")),
    Bench("dashboards", "bench_dashboards.py"),
)

AW = "aw-server 0.12"

FIGURES: tuple[Figure, ...] = (
    Figure("api", "sqlite_heartbeats_per_second", "API heartbeats/s (SQLite)",
           at_least(2000, "/s"), "aw_heartbeats_per_second", AW, "higher"),
    Figure("api", "sqlite_heartbeat_p99_ms", "API heartbeat p99 ms (SQLite)",
           at_most(100, " ms"), "aw_heartbeat_p99_ms", AW, "lower"),
    Figure("api", "postgres_heartbeats_per_second", "API heartbeats/s (PostgreSQL)",
           at_least(2000, "/s"), "aw_heartbeats_per_second", AW, "higher"),
    Figure("api", "postgres_heartbeat_p99_ms", "API heartbeat p99 ms (PostgreSQL)",
           at_most(100, " ms")),
    Figure("api", "sqlite_errors", "API heartbeat errors (SQLite)", equal(0, "0")),
    Figure("api", "postgres_errors", "API heartbeat errors (PostgreSQL)", equal(0, "0")),
    Figure("api", "sqlite_server_cpu_percent", "API server CPU % of one core (SQLite)"),
    Figure("fleet", "fleet_heartbeat_per_second", "fleet: heartbeats/s"),
    Figure("fleet", "fleet_heartbeats_on_schedule_percent", "fleet: heartbeats answered of due %",
           at_least(99, " %")),
    Figure("fleet", "fleet_heartbeat_p99_ms", "fleet: heartbeat p99 ms", at_most(100, " ms")),
    Figure("fleet", "fleet_storage_grant_p99_ms", "fleet: storage grant p99 ms",
           at_most(500, " ms")),
    Figure("fleet", "fleet_put_activity_per_second", "fleet: batch PUTs/s"),
    Figure("fleet", "fleet_put_activity_p99_ms", "fleet: batch PUT p99 ms", at_most(500, " ms")),
    Figure("fleet", "fleet_put_image_per_second", "fleet: screenshot PUTs/s"),
    Figure("fleet", "fleet_heartbeat_late_p99_ms", "fleet: generator behind schedule p99 ms",
           at_most(1000, " ms")),
    Figure("fleet", "fleet_errors", "fleet: errors", equal(0, "0")),
    Figure("fleet", "fleet_nothing_lost", "fleet: nothing lost (objects, curated rows)",
           equal(1, "yes")),
    Figure("fleet", "fleet_quarantined", "fleet: files quarantined", equal(0, "0")),
    Figure("fleet", "fleet_api_cpu_percent", "fleet: API CPU % of one core"),
    Figure("fleet", "fleet_api_rss_mb", "fleet: API RSS MB", at_most(500, " MB")),
    Figure("fleet", "fleet_moto_cpu_percent", "fleet: moto S3 CPU % of one core"),
    Figure("fleet", "fleet_generator_cpu_percent", "fleet: load generator CPU %"),
    Figure("fleet", "fleet_compaction_files_per_second", "fleet: compaction files/s"),
    Figure("peer_query", "day_query_ms", "one person's day, time per app (ms)",
           at_most(1000, " ms"), "aw_day_query_ms", AW, "lower"),
    Figure("peer_query", "day_active_seconds", "  … its active seconds (answers agree)",
           None, "aw_day_active_seconds", AW),
    Figure("peer_query", "day_answers_agree", "  … both answers agree", equal(1, "yes")),
    Figure("lakehouse", "compaction_files_per_second", "compaction files/s (1 day x 1,000 people)",
           at_least(1000, "/s")),
    Figure("lakehouse", "simulate_files_per_second", "simulate files/s (same day, collector path)"),
    Figure("lakehouse", "curated_bytes_per_sample", "curated bytes per sample",
           at_most(20, " B")),
    Figure("lakehouse", "daily_summary_all_days_ms", "query: daily active/idle, 30 days ms",
           at_most(200, " ms")),
    Figure("lakehouse", "top_apps_week_ms", "query: top 10 apps per user, a week ms",
           at_most(200, " ms")),
    Figure("lakehouse", "timeline_one_day_ms", "query: one user's day timeline ms",
           at_most(200, " ms")),
    Figure("collector", "collector_cpu_percent", "collector CPU % of one core",
           at_most(1, " %")),
    Figure("collector", "collector_rss_mb", "collector RSS MB (steady)", at_most(100, " MB")),
    Figure("collector", "collector_peak_rss_mb", "collector RSS MB (peak)", at_most(100, " MB")),
    Figure("collector_app", "control_status_p99_ms", "collector control channel status p99 ms"),
    Figure("collector_app", "heartbeat_p99_ms", "collector heartbeat round trip p99 ms"),
    Figure("collector_app", "start_end_p99_ms", "collector work session start+end p99 ms"),
    Figure("collector_app", "signed_in_idle_cpu_percent", "collector signed in, idle: CPU %"),
    Figure("screenshots", "screenshot_ms", "screenshot grab+encode ms", at_most(150, " ms")),
    Figure("screenshots", "screenshot_kb", "screenshot KB", at_most(150, " KB")),
    Figure("crypto", "pme_write_12_rows_ms", "encrypt a 2-min batch (12 rows) ms",
           at_most(5, " ms")),
    Figure("crypto", "seal_200kb_ms", "seal a 200 KB screenshot ms", at_most(1, " ms")),
    Figure("crypto", "open_200kb_ms", "open a sealed 200 KB screenshot ms", at_most(1, " ms")),
)  # fmt: skip

DASHBOARD_PAGE_TARGET = at_most(1000, " ms")  # every `<page>_page_ms` the dashboards report
