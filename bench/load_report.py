"""Printing a fleet load's figures, and the flat dict bench/run.py reads."""

from __future__ import annotations

import argparse
from typing import Any

from load_checks import Verdict
from load_servers import Usage
from load_traffic import KindStats, Tally

MB = 1024 * 1024


def percentile_ms(values: list[float], fraction: float) -> float | None:
    """The value (in ms) below which `fraction` of `values` fall; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def ms(value: float | None, width: int) -> str:
    return f"{'-' if value is None else f'{value:.1f}':>{width}}"


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def kind_line(name: str, stats: KindStats, seconds: float) -> str:
    done = len(stats.latencies_seconds)
    errors = sum(stats.errors.values())
    notes = ", ".join(f"{k}×{v}" for k, v in stats.errors.most_common(3))
    latencies = stats.latencies_seconds
    return (
        f"{name:<22}{done:>8}{done / seconds:>9.1f}{ms(percentile_ms(latencies, 0.5), 9)}"
        f"{ms(percentile_ms(latencies, 0.99), 9)}"
        f"{ms(percentile_ms(stats.lateness_seconds, 0.99), 11)}{errors:>8}"
        f"{stats.bytes_sent / MB / seconds:>8.2f}  {notes}"
    )


def usage_line(name: str, usage: Usage) -> str:
    return (
        f"{name:<22}CPU {usage.cpu_percent:5.0f} % of one core   "
        f"RSS {usage.rss_end_bytes / MB:6.0f} MB (peak {usage.rss_peak_bytes / MB:.0f} MB)"
    )


def print_load(
    args: argparse.Namespace,
    setup: tuple[float, dict[str, KindStats]],
    tally: Tally,
    api: Usage,
    moto: Usage,
) -> None:
    """What the load did, printed before the (slow) verification starts."""
    seconds = tally.duration_seconds
    retried = {name: dict(stats.errors) for name, stats in setup[1].items() if stats.errors}
    print(
        f"\nsetup (logins, grants, batches of {args.collectors} collectors): {setup[0]:.0f} s; "
        f"failures retried: {retried or 'none'}"
    )
    print(
        f"load: {seconds:.0f} s, S3 client {args.s3_client}, screenshot every "
        f"{args.screenshot_seconds:.0f} s per collector, database {args.database or 'sqlite'}, "
        f"batches encrypted {'live' if args.encrypt_live else 'before the load'}"
    )
    print(
        f"{'kind':<22}{'done':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'late p99':>11}"
        f"{'errors':>8}{'MB/s':>8}"
    )
    for name, stats in sorted(tally.kinds.items()):
        print(kind_line(name, stats, seconds))
    print("events due: " + ", ".join(f"{k} {n}" for k, n in sorted(tally.scheduled.items())))
    generator = Usage(tally.generator_cpu_seconds, seconds)
    print(usage_line("API server", api))
    print(usage_line("moto (S3 + STS)", moto))
    print(f"{'load generator':<22}CPU {generator.cpu_percent:5.0f} % of one core", flush=True)
    if any(stats.errors for stats in tally.kinds.values()):
        print(f"errors: the API server's log is {args.api_log}")


def print_verdict(tally: Tally, verdict: Verdict) -> None:
    objects = ", ".join(f"{t} {n}" for t, n in sorted(verdict.objects_in_bucket.items()))
    print(f"objects in the bucket: {objects or 'none'}")
    acked = ", ".join(f"{t} {n}" for t, n in sorted(tally.rows_acknowledged.items()) if n)
    print(f"rows acknowledged: {acked or 'none'}; curated: {dict(verdict.curated_rows)}")
    unanswered = tally.objects_attempted - tally.objects_acknowledged
    if unanswered:
        print(f"PUTs queued or in flight when the run was cut off: {dict(unanswered)}")
    print("compaction: " + "; ".join(verdict.compaction.lines()))
    if verdict.nothing_lost:
        print("NOTHING LOST: every acknowledged upload is in the bucket and every row curated")
    else:
        print("LOST OR EXTRA: " + "; ".join(verdict.problems))


def figures(tally: Tally, api: Usage, moto: Usage, verdict: Verdict) -> dict[str, Any]:
    """Flat name → number, units in the names."""
    seconds = tally.duration_seconds
    out: dict[str, Any] = {}
    for name, stats in tally.kinds.items():
        out[f"fleet_{name}_per_second"] = round(len(stats.latencies_seconds) / seconds, 2)
        out[f"fleet_{name}_p50_ms"] = rounded(percentile_ms(stats.latencies_seconds, 0.5))
        out[f"fleet_{name}_p99_ms"] = rounded(percentile_ms(stats.latencies_seconds, 0.99))
        out[f"fleet_{name}_late_p99_ms"] = rounded(percentile_ms(stats.lateness_seconds, 0.99))
    out["fleet_errors"] = sum(sum(s.errors.values()) for s in tally.kinds.values())
    heartbeats = len(tally.kind("heartbeat").latencies_seconds)
    due = tally.scheduled["heartbeat"]
    out["fleet_heartbeats_on_schedule_percent"] = round(100 * heartbeats / due, 1) if due else None
    out["fleet_objects"] = sum(verdict.objects_in_bucket.values())
    out["fleet_rows_sent"] = sum(tally.rows_acknowledged.values())
    out["fleet_rows_unanswered"] = sum((tally.rows_attempted - tally.rows_acknowledged).values())
    out["fleet_rows_curated"] = sum(verdict.curated_rows.values())
    out["fleet_quarantined"] = sum(verdict.compaction.quarantined.values())
    out["fleet_nothing_lost"] = int(verdict.nothing_lost)
    out["fleet_api_cpu_percent"] = round(api.cpu_percent, 1)
    out["fleet_api_rss_mb"] = round(api.rss_peak_bytes / MB, 1)
    out["fleet_moto_cpu_percent"] = round(moto.cpu_percent, 1)
    out["fleet_moto_rss_mb"] = round(moto.rss_peak_bytes / MB, 1)
    out["fleet_generator_cpu_percent"] = round(
        100 * tally.generator_cpu_seconds / seconds if seconds else 0.0, 1
    )
    compaction = verdict.compaction
    rate = compaction.files_ingested / compaction.seconds if compaction.seconds else 0.0
    out["fleet_compaction_files_per_second"] = round(rate, 1)
    return out
