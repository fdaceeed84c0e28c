"""Dashboards benchmark: each page's lake queries on D days x N people. Prints figures.

    uv run --all-extras python bench/bench_dashboards.py            # 30 days x 1,000 people
    uv run --all-extras python bench/bench_dashboards.py --quick    # 7 days x 50 people

Builds an encrypted curated lake directly with the compaction writer (what compaction would
produce), then times the calls each page makes to `dashboards.data` with the cache cleared
before every run, as a company admin (everyone) and as a sub-admin (a team of 50). Target:
every page's queries within 1 s. Pages also call the API (people, presence, rules); those
calls are measured by the API benchmark, not here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Settings are read when the lake is first opened (after main() has pointed them at the bench lake).
from dashboards import data, images

COMPANY = "acme"


def quiet_streamlit() -> None:
    """Outside a Streamlit server its cache warns on every call; only the figures matter here."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def build_lake(home: Path, users: int, days: int, last: dt.date) -> list[str]:
    """Write `days` days of curated activity, screenshots and sessions, and one day of images."""
    from lakehouse import FileKeyStore, generate_company_key, open_store, seal_image
    from lakehouse.curated import write_part
    from lakehouse.rollups import write_activity_part
    from lakehouse.simulate import Workday, generate_day, user_ids

    keys = FileKeyStore(home / "keys")
    pair = generate_company_key(COMPANY)
    keys.save(pair)
    store = open_store((home / "lake").as_uri())
    names = user_ids(users)
    work = Workday(screenshots_per_hour=2.0)
    for offset in range(days):
        day = last - dt.timedelta(days=days - 1 - offset)
        data = generate_day(COMPANY, names, day, 3, work)
        # Activity goes with its rollups, as compaction writes it.
        write_activity_part(store, COMPANY, day, data.activity, pair.public)
        for table in ("screenshots", "sessions"):
            write_part(store, table, COMPANY, day, getattr(data, table), pair.public)
        if day == last:  # the gallery decrypts one person's images
            for path, image in data.images.items():
                if f"user={names[0]}/" in path:
                    store.put_bytes(path, seal_image(image, pair.public, path))
        print(f"  wrote {day} ({data.activity.num_rows:,} samples)", flush=True)
    return names


def pages(names: list[str], last: dt.date) -> dict[str, Callable[[data.Scope], object]]:
    """Each page's lake calls, as the page makes them with its default period."""
    today = data.Period(last, last)
    week = data.Period(last - dt.timedelta(days=6), last)
    fortnight = data.Period(last - dt.timedelta(days=13), last)
    month = data.Period(last - dt.timedelta(days=29), last)
    rules: dict[str, Any] = {"default": "neutral", "rules": []}
    person = names[0]

    def overview(scope: data.Scope) -> object:
        data.overview_figures(scope, last)
        data.daily_totals(scope, fortnight)
        data.usage(scope, today, "app", rules, 10)
        return data.usage(scope, today, "domain", rules, 10)

    def people(scope: data.Scope) -> object:
        return data.people_summary(scope, week, rules)

    def people_month(scope: data.Scope) -> object:
        return data.people_summary(scope, month, rules)

    def timeline(scope: data.Scope) -> object:
        data.day_bands(scope, person, last)
        data.person_day(scope, person, last)
        return data.screenshots(scope, person, last)

    def apps(scope: data.Scope) -> object:
        data.category_trend(scope, week, rules)
        data.usage(scope, week, "app", rules, 200)
        return data.usage(scope, week, "domain", rules, 200)

    def screenshots(scope: data.Scope) -> object:
        shots = data.screenshots(scope, person, last)
        for capture_id in shots["capture_id"].to_list()[:16]:
            images.thumbnail(scope, person, last, capture_id)
        return shots

    return {
        "overview": overview,
        "people (7 days)": people,
        "people (30 days)": people_month,
        "timeline": timeline,
        "apps & sites": apps,
        "screenshots (16 thumbnails)": screenshots,
    }


def time_pages(names: list[str], last: dt.date, repeat: int) -> None:
    import streamlit as st

    quiet_streamlit()

    started = time.perf_counter()
    data.reader(COMPANY)
    print(f"  open the lake (list, read footers, connect): {time.perf_counter() - started:.2f} s")
    scopes = {"admin (everyone)": data.Scope(COMPANY, None),
              "sub-admin (50 people)": data.Scope(COMPANY, tuple(names[:50]))}  # fmt: skip
    for label, scope in scopes.items():
        print(f"\n  as {label}:")
        for page, run in pages(names, last).items():
            runs = []
            for _ in range(repeat):
                st.cache_data.clear()  # time the lake, not the cache
                t0 = time.perf_counter()
                run(scope)
                runs.append(time.perf_counter() - t0)
            print(f"    {page:<28} first {runs[0] * 1000:6.0f} ms, "
                  f"median {statistics.median(runs) * 1000:6.0f} ms")  # fmt: skip
    print(f"\n  [{load()}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 days x 50 people")
    parser.add_argument("--users", type=int, help="people (default 1,000; quick 50)")
    parser.add_argument("--days", type=int, help="days (default 30; quick 7)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    users = args.users or (50 if args.quick else 1000)
    days = args.days or (7 if args.quick else 30)
    last = dt.datetime.now(dt.UTC).date()
    with tempfile.TemporaryDirectory(prefix="bench-dashboards-") as folder:
        home = Path(folder)
        os.environ["TEAMTRECK_DASHBOARD_LAKE_URL"] = (home / "lake").as_uri()
        os.environ["TEAMTRECK_DASHBOARD_KEYS_DIR"] = str(home / "keys")
        print(f"[1] build an encrypted curated lake: {days} days x {users} people")
        t0 = time.perf_counter()
        names = build_lake(home, users, days, last)
        print(f"  built in {time.perf_counter() - t0:.0f} s  [{load()}]")
        print("\n[2] each page's lake queries (cache cleared before every run)")
        time_pages(names, last, args.repeat)


if __name__ == "__main__":
    main()
