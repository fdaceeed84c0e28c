"""Dashboards benchmark: each page's lake queries on D days x N people. Prints figures.

    uv run --all-extras python bench/bench_dashboards.py            # 30 days x 1,000 people
    uv run --all-extras python bench/bench_dashboards.py --quick    # 7 days x 50 people
    uv run --all-extras python bench/bench_dashboards.py --keep /tmp/bench-lake
        # builds the lake in that folder once; later runs of the same size and day reuse it

Builds an encrypted curated lake directly with the compaction writer (what compaction would
produce), then times the calls each page makes to `dashboards.data` with the cache cleared
before every run, as a company admin (everyone) and as a sub-admin (a team of 50), with a
company's kind of productivity rules and teams; People and Timeline also build their tables
(and People its CSV and the Arrow the browser gets). Target: every page within 1 s. Pages also
call the API (people, presence, rules); those calls are measured by the API benchmark.
The last line, `BENCH_JSON {...}`, has each page's median in ms (the slower of the two scopes)
for bench/run.py. `--title-rule` adds a window-title rule: categories then read the title rollups
(active time per person, day, app, site and window title) instead of the app rollups.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit import dataframe_util

# Settings are read when the lake is first opened (after main() has pointed them at the bench lake).
from dashboards import data, images, lake_snapshot
from dashboards.views import people as people_view
from dashboards.views import timeline as timeline_view

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
        # Activity goes with its rollups (daily, apps, titles), as compaction writes it.
        write_activity_part(store, COMPANY, day, data.activity, pair.public)
        for table in ("screenshots", "sessions"):
            write_part(store, table, COMPANY, day, getattr(data, table), pair.public)
        if day == last:  # the gallery decrypts one person's images
            for path, image in data.images.items():
                if f"user={names[0]}/" in path:
                    store.put_bytes(path, seal_image(image, pair.public, path))
        print(f"  wrote {day} ({data.activity.num_rows:,} samples)", flush=True)
    return names


def pair_rollups(home: Path) -> None:
    """Give every activity part of a kept lake the rollups it lacks (one kept from before a
    rollup existed)."""
    from lakehouse import FileKeyStore, open_store
    from lakehouse.rollups import pair_all

    t0 = time.perf_counter()
    days = pair_all(open_store((home / "lake").as_uri()), FileKeyStore(home / "keys"), COMPANY)
    print(f"  rollups paired with the activity parts of {days} days in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip


# A company's productivity rules as the API keeps them: app and domain rules, and one team's
# override, so categorising costs what it costs a real company.
PRODUCTIVITY: dict[str, Any] = {
    "default": "neutral",
    "rules": [
        {"match": "app", "pattern": "code", "category": "productive"},
        {"match": "app", "pattern": "gnome-terminal", "category": "productive"},
        {"match": "domain", "pattern": "github.com", "category": "productive"},
        {"match": "domain", "pattern": "youtube.com", "category": "unproductive"},
        {"match": "domain", "pattern": "www.reddit.com", "category": "unproductive"},
        {"match": "app", "pattern": "spotify", "category": "unproductive"},
    ],
    "team_overrides": {"team-00": [{"match": "app", "pattern": "slack", "category": "productive"}]},
}
TITLE_RULE = {"match": "title", "pattern": "standup", "category": "productive"}
TEAMS = 20


def pages(
    names: list[str], last: dt.date, rules: dict[str, Any]
) -> dict[str, Callable[[data.Scope], object]]:
    """Each page's lake calls, as the page makes them with its default period."""
    today = data.Period(last, last)
    week = data.Period(last - dt.timedelta(days=6), last)
    fortnight = data.Period(last - dt.timedelta(days=13), last)
    month = data.Period(last - dt.timedelta(days=29), last)
    teams = tuple((user, f"team-{i % TEAMS:02d}") for i, user in enumerate(names))
    everyone = dict(zip(names, names, strict=True))
    person = names[0]

    def overview(scope: data.Scope) -> object:
        data.overview_figures(scope, last)
        data.daily_totals(scope, fortnight)
        data.usage(scope, today, "app", rules, 10)
        return data.usage(scope, today, "domain", rules, 10)

    def people_page(scope: data.Scope, period: data.Period) -> object:
        summary = data.people_summary(scope, period, rules, teams)
        # What the page does with it: everyone in scope by name, the CSV, the table's Arrow.
        table = people_view.people_table(summary, everyone).sort("worked_hours", descending=True)
        table.write_csv()
        return dataframe_util.convert_anything_to_arrow_bytes(table.drop("user_id"))

    def people(scope: data.Scope) -> object:
        return people_page(scope, week)

    def people_month(scope: data.Scope) -> object:
        return people_page(scope, month)

    def timeline(scope: data.Scope) -> object:
        data.day_bands(scope, person, last)
        data.person_day(scope, person, last)
        shots = data.screenshots(scope, person, last)
        return timeline_view.segment_table(data.day_segments(scope, person, last), shots, True)

    def apps(scope: data.Scope) -> object:
        data.category_trend(scope, week, rules, teams)
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


def time_pages(
    names: list[str], last: dt.date, repeat: int, rules: dict[str, Any]
) -> dict[str, float]:
    """Print each page's first and median time per scope; return the slower scope's median
    per page, in ms, keyed `<page>_page_ms` (the figures bench/run.py holds to 1 s)."""
    import streamlit as st

    quiet_streamlit()

    started = time.perf_counter()
    lake_snapshot.reader(COMPANY)
    print(f"  open the lake (list, read footers, connect): {time.perf_counter() - started:.2f} s")
    print(f"  categories: {len(rules['rules'])} company rules, one team override, {TEAMS} teams")
    scopes = {"admin (everyone)": data.Scope(COMPANY, None),
              "sub-admin (50 people)": data.Scope(COMPANY, tuple(names[:50]))}  # fmt: skip
    figures: dict[str, float] = {}
    for label, scope in scopes.items():
        print(f"\n  as {label}:")
        for page, run in pages(names, last, rules).items():
            runs = []
            quiet_streamlit()  # the caches' loggers appear as they are first used
            for _ in range(repeat):
                st.cache_data.clear()  # time the lake, not the cache
                t0 = time.perf_counter()
                run(scope)
                runs.append(time.perf_counter() - t0)
            print(f"    {page:<28} first {runs[0] * 1000:6.0f} ms, "
                  f"median {statistics.median(runs) * 1000:6.0f} ms")  # fmt: skip
            key = "_".join(re.findall(r"[a-z0-9]+", page)) + "_page_ms"
            figures[key] = max(figures.get(key, 0.0), round(statistics.median(runs) * 1000, 1))
    print(f"\n  [{load()}]")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 days x 50 people")
    parser.add_argument("--users", type=int, help="people (default 1,000; quick 50)")
    parser.add_argument("--days", type=int, help="days (default 30; quick 7)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--title-rule",
        action="store_true",
        help="add a window-title rule (categorising then reads the title rollups, not the app "
        "rollups)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the lake in this folder and keep it; a later run of the same size and day "
        "reuses it (building 30 days x 1,000 people takes minutes)",
    )
    args = parser.parse_args()
    users = args.users or (50 if args.quick else 1000)
    days = args.days or (7 if args.quick else 30)
    last = dt.datetime.now(dt.UTC).date()
    rules = dict(PRODUCTIVITY)
    if args.title_rule:
        rules["rules"] = [*PRODUCTIVITY["rules"], TITLE_RULE]
    if args.keep is not None:
        run(args.keep, users, days, last, args.repeat, rules)
        return
    with tempfile.TemporaryDirectory(prefix="bench-dashboards-") as folder:
        run(Path(folder), users, days, last, args.repeat, rules)


def run(
    home: Path, users: int, days: int, last: dt.date, repeat: int, rules: dict[str, Any]
) -> None:
    os.environ["TEAMTRECK_DASHBOARD_LAKE_URL"] = (home / "lake").as_uri()
    os.environ["TEAMTRECK_DASHBOARD_KEYS_DIR"] = str(home / "keys")
    # What a kept lake holds; another size or another last day builds afresh.
    built = home / f"built-{users}x{days}-{last}"
    if built.exists():
        print(f"[1] reuse the lake in {home}: {days} days x {users} people")
        from lakehouse.simulate import user_ids

        names = user_ids(users)
        pair_rollups(home)
    else:
        if home.exists() and any(home.iterdir()):
            raise SystemExit(
                f"{home} holds something other than a lake of {users} people x {days} days up "
                f"to {last}; remove it or pass another folder to --keep."
            )
        print(f"[1] build an encrypted curated lake: {days} days x {users} people")
        home.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        names = build_lake(home, users, days, last)
        built.touch()
        print(f"  built in {time.perf_counter() - t0:.0f} s  [{load()}]")
    print("\n[2] each page's lake queries (cache cleared before every run)")
    figures = time_pages(names, last, repeat, rules)
    print("BENCH_JSON " + json.dumps(figures))


if __name__ == "__main__":
    main()
