"""Thousands of collectors against ONE API process and ONE S3 endpoint, then "nothing lost".

Every simulated collector heartbeats every 30 s, uploads a real encrypted two-minute batch
every 2 min, takes screenshots at the company rules' rate (sealed images, their rows in the next
batch) and renews its storage grant hourly, with the collectors' phases spread evenly. The API
(`teamtreck api`, SQLite by default or PostgreSQL) and S3 (moto's server, S3 + STS) each run in
their own process; the load generator is one asyncio loop. Afterwards the objects in the bucket
are counted against the uploads S3 acknowledged, the lake is compacted and the curated rows are
counted against the rows sent (nothing quarantined, nothing duplicated).

    uv run --all-extras python bench/load_fleet.py --quick            # 500 collectors, 30 s
    uv run --all-extras python bench/load_fleet.py                    # 10,000 collectors, 5 min
    uv run --all-extras python bench/load_fleet.py --database postgres --s3-client threads

Prints requests/s, p50/p99 latency and errors per kind, objects and rows, CPU and RSS of the API,
moto and the generator; the last line is `BENCH_JSON {...}` for bench/run.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from load_checks import Verdict, verify
from load_report import figures, print_load, print_verdict
from load_s3 import ThreadedPutter
from load_servers import REGION, ApiServer, ProcessMeter, S3Endpoint, api_server, moto_endpoint
from load_setup import prepare_batches, sign_in
from load_traffic import Collector, Fleet, KindStats, Pool, drive

IMAGE_KB = 150  # a 1920x1080 screenshot at the collector's default JPEG quality


def make_fleet(
    collectors: list[Collector], api: ApiServer, s3: S3Endpoint, args: argparse.Namespace
) -> Fleet:
    putter = None
    if args.s3_client == "threads":
        putter = ThreadedPutter(s3.url, REGION, args.s3_connections)
    return Fleet(
        collectors=collectors,
        api=Pool("127.0.0.1", api.port, args.api_connections),
        s3=Pool("127.0.0.1", s3.port, args.s3_connections),
        s3_host=f"127.0.0.1:{s3.port}",
        image=os.urandom(args.image_kb * 1024),
        screenshot_seconds=args.screenshot_seconds,
        batch_seconds=args.batch_seconds,
        wall_start=None,  # type: ignore[arg-type]  # set when the run starts
        loop_start=0.0,
        putter=putter,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, load, verify and report; returns the figures."""
    with (
        tempfile.TemporaryDirectory(prefix="tt-load-") as folder,
        moto_endpoint() as s3,
        api_server(Path(folder), s3, args.collectors, args.database) as api,
    ):
        started = time.perf_counter()
        setup: dict[str, KindStats] = {}
        collectors, shot_seconds = asyncio.run(sign_in(api, args.collectors, setup))
        if not args.encrypt_live:
            prepared = prepare_batches(collectors, args.batch_seconds, args.seconds)
        setup_seconds = time.perf_counter() - started
        args.screenshot_seconds = args.screenshot_seconds or shot_seconds
        args.api_log = api.log
        fleet = make_fleet(collectors, api, s3, args)
        if not args.encrypt_live:
            fleet.prepared = prepared
        api_meter, moto_meter = ProcessMeter(api.pid), ProcessMeter(s3.pid)
        with api_meter.measuring() as api_usage, moto_meter.measuring() as moto_usage:
            tally = asyncio.run(drive(fleet, args.seconds))
        if fleet.putter is not None:
            fleet.putter.close()
        print_load(args, (setup_seconds, setup), tally, api_usage, moto_usage)
        started = time.perf_counter()
        verdict: Verdict = verify(api, s3, tally)
    print_verdict(tally, verdict)
    print(f"verification took {time.perf_counter() - started:.0f} s")
    return figures(tally, api_usage, moto_usage, verdict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 collectors for 30 s")
    parser.add_argument("--collectors", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=300.0, help="measured load")
    parser.add_argument(
        "--database",
        default=None,
        help='SQLite when absent; "postgres" for a fresh database on 127.0.0.1:5432; '
        "or a SQLAlchemy URL",
    )
    parser.add_argument("--s3-client", choices=("async", "threads"), default="async")
    parser.add_argument("--api-connections", type=int, default=64)
    parser.add_argument("--s3-connections", type=int, default=32)
    parser.add_argument("--image-kb", type=int, default=IMAGE_KB, help="screenshot size")
    parser.add_argument(
        "--screenshot-seconds",
        type=float,
        default=0.0,
        help="interval between one collector's screenshots (default: the company rules)",
    )
    parser.add_argument(
        "--batch-seconds", type=float, default=120.0, help="interval between a collector's batches"
    )
    parser.add_argument(
        "--encrypt-live",
        action="store_true",
        help="encrypt activity batches during the load, in the generator (default: before it)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.collectors, args.seconds = min(args.collectors, 500), min(args.seconds, 30.0)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(
        f"{args.collectors} collectors for {args.seconds:.0f} s; {psutil.cpu_count()} CPUs, "
        f"load average {psutil.getloadavg()[0]:.1f} before start (machine shared: indicative)",
        flush=True,
    )
    print("BENCH_JSON " + json.dumps(run(args)))


if __name__ == "__main__":
    main()
