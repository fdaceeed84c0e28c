"""One person's day of activity — time per app — through our lake and through aw-server.

Our side: a local lake holding `--days` days × `--users` people of simulated activity
(`lakehouse.workday.generate_day`), landed encrypted and compacted (`lakehouse.compaction`);
the figure is `lakehouse.metrics.app_usage` over `lakehouse.connect` for one user and one day,
decrypting as it reads.

The peer: ActivityWatch's aw-server (bench/peer_activitywatch.py, its own venv and process)
holding the same person's samples for the same days — one window event per sample and the
not-AFK / AFK periods (the active part of each sample) — queried with query2 the way its web UI
asks "time per app while not AFK" for a day. Both answers count active seconds per app; their
totals must agree.

    uv run --all-extras python bench/peer_query.py --quick      # 7 days x 20 people
    uv run --all-extras python bench/peer_query.py              # 30 days x 200 people
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from peer_activitywatch import activitywatch_server
from peer_aw_events import aw_app_seconds, load_into_aw

from lakehouse import metrics
from lakehouse.compaction import compact
from lakehouse.engine import connect
from lakehouse.keys import MemoryKeyStore, generate_company_key
from lakehouse.layout import landing_path
from lakehouse.storage import open_store
from lakehouse.workday import generate_day, user_ids
from lakehouse.writer import encrypt_table

COMPANY = "acme"
FIRST_DAY = dt.date(2026, 10, 1)
REPEATS = 5


def user_runs(table: pa.Table) -> dict[str, pa.Table]:
    """Split a day's rows (grouped by user, as generate_day makes them) into one table per user."""
    users = table["user_id"].to_numpy(zero_copy_only=False)
    starts = [0, *(i for i in range(1, len(users)) if users[i] != users[i - 1])]
    ends = [*starts[1:], len(users)]
    runs = {str(users[a]): table.slice(a, b - a) for a, b in zip(starts, ends, strict=True)}
    if len(runs) != len(starts):
        raise RuntimeError("generate_day no longer groups rows by user; split them another way")
    return runs


def build_lake(root: Path, users: int, days: int, keys: MemoryKeyStore) -> float:
    """Land each person's day as one encrypted batch, then compact: returns the seconds taken.

    (One batch per person-day instead of 240 two-minute ones keeps the set-up short; what is
    queried is the curated data compaction writes either way.)
    """
    started = time.perf_counter()
    store = open_store(root.as_uri())
    public_key = keys.current_public_key(COMPANY)
    for offset in range(days):
        day = FIRST_DAY + dt.timedelta(days=offset)
        activity = generate_day(COMPANY, user_ids(users), day, seed=1).activity
        for user, rows in user_runs(activity).items():
            path = landing_path("activity", COMPANY, user, day, f"day-{day:%Y%m%d}", "parquet")
            store.put_bytes(path, encrypt_table("activity", rows, public_key), durable=False)
    summary = compact(store, keys, tables=("activity",))
    if summary.quarantined or summary.files_ingested != users * days:
        raise RuntimeError("compaction refused simulated data: " + "; ".join(summary.lines()))
    return time.perf_counter() - started


Answer = dict[str, float]  # active seconds per app
Timed = tuple[float, float, Answer]  # first call ms, warm median ms, answer


def timed_ms(action: Callable[[], Answer], repeats: int) -> Timed:
    """(first call ms, median of the next `repeats` calls ms, last answer)."""
    started = time.perf_counter()
    answer = action()
    first_ms = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        answer = action()
        times.append((time.perf_counter() - started) * 1000)
    return first_ms, statistics.median(times), answer


def our_day(
    root: Path, keys: MemoryKeyStore, user: str, day: dt.date
) -> tuple[float, float, dict[str, float]]:
    """(first ms, warm median ms, active seconds per app) through lakehouse.connect + metrics."""
    con = connect(root.as_uri(), keys, company_id=COMPANY)

    def query() -> dict[str, float]:
        rows = metrics.app_usage(con, COMPANY, day, day + dt.timedelta(days=1), [user]).fetchall()
        return {str(app): float(seconds) for _user, app, seconds in rows}

    try:
        return timed_ms(query, REPEATS)
    finally:
        con.close()


def compare(ours: dict[str, float], theirs: dict[str, float]) -> list[str]:
    """Apps whose seconds differ by more than a millisecond per sample's rounding."""
    problems = []
    for app in sorted(set(ours) | set(theirs)):
        a, b = ours.get(app, 0.0), theirs.get(app, 0.0)
        if abs(a - b) > 0.01:
            problems.append(f"{app}: ours {a:.2f} s, aw-server {b:.2f} s")
    return problems


def run(args: argparse.Namespace) -> dict[str, float]:
    keys = MemoryKeyStore()
    keys.save(generate_company_key(COMPANY))
    user, day = user_ids(args.users)[0], FIRST_DAY + dt.timedelta(days=args.days // 2)
    with tempfile.TemporaryDirectory(prefix="tt-peer-") as folder:
        root = Path(folder) / "lake"
        build_seconds = build_lake(root, args.users, args.days, keys)
        print(f"lake: {args.days} days x {args.users} people written in {build_seconds:.0f} s")
        ours = our_day(root, keys, user, day)
        with activitywatch_server(buckets=0) as server:
            events = load_into_aw(server.port, root, keys, COMPANY, user)
            print(f"aw-server: {events} events of {user} inserted ({args.days} days)")
            theirs = timed_ms(lambda: aw_app_seconds(server.port, day), args.aw_repeats)
    problems = compare(ours[2], theirs[2])
    print_result(day, ours, theirs, problems)
    return {
        "day_query_ms": round(ours[1], 1),
        "day_query_first_ms": round(ours[0], 1),
        "aw_day_query_ms": round(theirs[1], 1),
        "aw_day_query_first_ms": round(theirs[0], 1),
        "day_active_seconds": round(sum(ours[2].values()), 1),
        "aw_day_active_seconds": round(sum(theirs[2].values()), 1),
        "day_answers_agree": int(not problems),
    }


def print_result(day: dt.date, ours: Timed, theirs: Timed, problems: list[str]) -> None:
    print(f"time per app for one person on {day}:")
    print(f"{'':<28}{'first ms':>10}{'warm ms':>10}{'apps':>6}{'active s':>11}")
    for name, (first, warm, answer) in (
        ("lake (curated, PME)", ours),
        ("aw-server 0.12 query2", theirs),
    ):
        print(f"{name:<28}{first:>10.1f}{warm:>10.1f}{len(answer):>6}{sum(answer.values()):>11.1f}")
    print("answers agree" if not problems else "ANSWERS DIFFER: " + "; ".join(problems))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="7 days x 20 people")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--aw-repeats", type=int, default=3, help="warm aw-server queries")
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.users = min(args.days, 7), min(args.users, 20)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print("machine shared with other work: figures are indicative")
    print("BENCH_JSON " + json.dumps(run(args)))


if __name__ == "__main__":
    main()
