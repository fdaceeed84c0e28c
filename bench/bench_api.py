"""Heartbeats per second from many collectors: our API on SQLite and PostgreSQL, and aw-server.

Each target runs as its own process (so the load generator and the server never share a GIL);
the load generator posts heartbeats round-robin from `--devices` distinct collectors, each with
its own token and body, over `--concurrency` keep-alive connections, and prints sustained
requests/s, p50/p99 latency, errors, and the CPU used by the generator and by the server.

    uv run --all-extras python bench/bench_api.py --quick
    uv run --all-extras python bench/bench_api.py --duration 60 --devices 2000 --concurrency 4,16,64
    uv run --all-extras python bench/bench_api.py --targets sqlite --profile /tmp/hb.txt

Target on two cores: at least 2,000 heartbeats/s with p99 under 100 ms and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import psutil
from fleet import POSTGRES_ADMIN_URL, our_api, postgres_reachable
from loadgen import LoadResult, Request, Target, run_load
from peer_activitywatch import activitywatch_server


@dataclass(frozen=True)
class Measurement:
    target: str
    load: LoadResult
    server_cpu_seconds: float
    database_cpu_seconds: float
    machine_busy_fraction: float  # of all cores, everything running on the machine
    load_average: float  # the 1-minute load average at the end: other work beside ours


@contextlib.contextmanager
def aw_target(devices: int) -> Iterator[Target]:
    """aw-server with one bucket per device; each heartbeat extends or starts a window event."""
    with activitywatch_server(buckets=devices) as server:
        apps = itertools.cycle(["firefox", "code", "slack"])
        heartbeats = [
            Request.json(
                "POST",
                server.heartbeat_path(bucket, pulsetime_seconds=60),
                {
                    "timestamp": "2026-11-26T06:00:00+00:00",
                    "duration": 0,
                    "data": {"app": next(apps), "title": "Inbox"},
                },
            )
            for bucket in server.bucket_ids
        ]
        yield Target("aw-server 0.12.0", server.port, server.pid, itertools.cycle(heartbeats))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn workers) so far."""
    process = psutil.Process(pid)
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = p.cpu_times()
            total += times.user + times.system
    return total


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU so far of every PostgreSQL process on the machine (other users' queries included)."""
    found: dict[int, float] = {}
    for p in psutil.process_iter(["name", "cpu_times"]):
        if p.info["name"] == "postgres" and p.info["cpu_times"] is not None:
            found[p.pid] = p.info["cpu_times"].user + p.info["cpu_times"].system
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two snapshots; processes that ended in between are left out."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def measure(target: Target, concurrency: int, duration_seconds: float) -> Measurement:
    server_before, database_before = cpu_seconds(target.pid), postgres_cpu_seconds()
    psutil.cpu_percent()  # starts the machine-wide interval
    load = asyncio.run(
        run_load("127.0.0.1", target.port, target.requests, concurrency, duration_seconds)
    )
    server = cpu_seconds(target.pid) - server_before
    database = cpu_used(database_before, postgres_cpu_seconds())
    database = database if "postgres" in target.name else 0.0
    busy = psutil.cpu_percent() / 100
    return Measurement(target.name, load, server, database, busy, psutil.getloadavg()[0])


@contextlib.contextmanager
def profiled(pid: int, out: Path | None, duration_seconds: float) -> Iterator[None]:
    """Sample the server with py-spy while the body runs (collapsed stacks, one per line)."""
    if out is None:
        yield
        return
    command = ["uvx", "py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "200"]
    command += ["--gil", "--nonblocking"]  # only the thread holding the GIL: where CPU goes
    command += ["--duration", str(int(duration_seconds)), "--subprocesses", "-o", str(out)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait(timeout=duration_seconds + 60)
        print(f"  profile of {pid} written to {out}")


def print_header() -> None:
    print(
        f"{'target':<22}{'conns':>6}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'gen CPU':>9}{'srv CPU':>9}{'db CPU':>8}{'machine':>9}{'load':>6}{'srv ms/req':>11}"
        "  notes"
    )


def print_row(m: Measurement, concurrency: int) -> None:
    load, seconds = m.load, m.load.duration_seconds
    notes = ", ".join(f"{k}×{v}" for k, v in m.load.errors.most_common(3))
    print(
        f"{m.target:<22}{concurrency:>6}{load.requests_per_second:>8.0f}"
        f"{load.percentile_ms(0.5):>9.1f}{load.percentile_ms(0.99):>9.1f}{load.error_count:>8}"
        f"{load.generator_cpu_seconds / seconds:>9.0%}{m.server_cpu_seconds / seconds:>9.0%}"
        f"{m.database_cpu_seconds / seconds:>8.0%}{m.machine_busy_fraction:>9.0%}"
        f"{m.load_average:>6.1f}"
        f"{server_cpu_ms_per_request(m):>11.2f}"
        f"  {notes}",
        flush=True,
    )


def server_cpu_ms_per_request(m: Measurement) -> float:
    """Server (+ database) CPU per answered request: what holds up when the machine is busy."""
    answered = len(m.load.latencies_seconds)
    return 1000 * (m.server_cpu_seconds + m.database_cpu_seconds) / answered if answered else 0.0


def figures(key: str, m: Measurement) -> dict[str, float]:
    """The figures bench/run.py collects (first concurrency level of each target)."""
    seconds = m.load.duration_seconds
    return {
        f"{key}_heartbeats_per_second": round(m.load.requests_per_second, 1),
        f"{key}_heartbeat_p50_ms": round(m.load.percentile_ms(0.5), 2),
        f"{key}_heartbeat_p99_ms": round(m.load.percentile_ms(0.99), 2),
        f"{key}_errors": m.load.error_count,
        f"{key}_server_cpu_percent": round(100 * m.server_cpu_seconds / seconds, 1),
        f"{key}_generator_cpu_percent": round(100 * m.load.generator_cpu_seconds / seconds, 1),
        f"{key}_machine_busy_percent": round(100 * m.machine_busy_fraction, 1),
        f"{key}_load_average": round(m.load_average, 1),
        f"{key}_server_cpu_ms_per_heartbeat": round(server_cpu_ms_per_request(m), 3),
    }


def run_target(
    key: str, make: Callable[[], AbstractContextManager[Target]], args: argparse.Namespace
) -> dict[str, float]:
    """Set the target up once, then measure it at each concurrency level."""
    found: dict[str, float] = {}
    with make() as target:
        for concurrency in args.concurrency:
            measure(target, concurrency, args.warmup)
            with profiled(target.pid, args.profile, args.duration):
                row = measure(target, concurrency, args.duration)
            print_row(row, concurrency)
            found = found or figures(key, row)
            if row.load.error_count and target.log_path is not None:
                show_server_errors(target.log_path)
    return found


def show_server_errors(log: Path) -> None:
    """The server's last complaint, so an error in the table has a cause beside it."""
    lines = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line]
    if starts:
        print(*lines[starts[-1] :][-25:], sep="\n    ")


def concurrency_levels(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s per target, 200 devices")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument("--devices", type=int, default=2000, help="distinct collectors")
    parser.add_argument(
        "--concurrency",
        type=concurrency_levels,
        default=[16],
        help="open connections, e.g. 4,16,64",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--targets", default="sqlite,postgres,aw", help="comma-separated: sqlite,postgres,aw"
    )
    parser.add_argument("--profile", type=Path, help="write a py-spy profile of the API here")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.devices = 5.0, 1.0, min(args.devices, 200)
    return args


def main() -> None:
    args = parse_args()
    makers: dict[str, Callable[[], AbstractContextManager[Target]]] = {
        "sqlite": lambda: our_api("sqlite", args.devices, args.workers),
        "postgres": lambda: our_api("postgres", args.devices, args.workers),
        "aw": lambda: aw_target(args.devices),
    }
    print(
        f"{args.duration:.0f} s per measurement, {args.devices} devices, {args.workers} API "
        f"worker(s), {psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f} "
        "before start (other work on the machine counts against every figure)"
    )
    print_header()
    found: dict[str, float] = {}
    for name in (n.strip() for n in args.targets.split(",")):
        if name == "postgres" and not postgres_reachable():
            print(f"{'teamtreck/postgres':<22}skipped: no PostgreSQL at {POSTGRES_ADMIN_URL}")
            continue
        found |= run_target(name, makers[name], args)
    print("BENCH_JSON " + json.dumps(found))


if __name__ == "__main__":
    main()
