"""The employee side's own costs: the control channel, heartbeats and work-session calls
against a live API (SQLite), and the running app's CPU while signed in and idle.

    uv run --all-extras python bench/bench_collector_app.py [--quick]

Prints a table and, last, `BENCH_JSON {...}`. Figures on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "collector"))


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 100 if parser.parse_args().quick else 500
    home = Path(tempfile.mkdtemp(prefix="tt-bench-app-"))
    os.environ["TEAMTRECK_HOME"] = str(home)
    from live_api import make_live_api
    from scripted_source import SourceLog

    from collector.app import CollectorApp
    from collector.config import CollectorSettings
    from collector.control import ControlClient
    from collector.credentials import FileTokenStore

    server = make_live_api(home)
    server.start()
    settings = CollectorSettings(**{"spool_dir": home / "collector"})
    app = CollectorApp(
        settings,
        server.url,
        make_source=SourceLog(),
        store=FileTokenStore(home / "creds"),
        runtime=home / "run",
        notify=lambda *_: None,
    )
    thread = threading.Thread(target=app.run, kwargs={"tray": False}, daemon=True)
    thread.start()
    while not (home / "run" / "agent.sock").exists():
        time.sleep(0.05)
    control = ControlClient(home / "run")
    control.send("login", email=server.employee_email, password=server.password)
    figures: dict[str, float] = {}

    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        control.send("status")
        timings.append((time.perf_counter() - started) * 1000)
    figures["control_status_p50_ms"], figures["control_status_p99_ms"] = _percentiles(timings)

    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        app.heartbeat.beat()
        timings.append((time.perf_counter() - started) * 1000)
    figures["heartbeat_p50_ms"], figures["heartbeat_p99_ms"] = _percentiles(timings)

    timings = []
    for _ in range(max(rounds // 10, 10)):
        started = time.perf_counter()
        control.send("start")
        control.send("end")
        timings.append((time.perf_counter() - started) * 1000)
    figures["start_end_p50_ms"], figures["start_end_p99_ms"] = _percentiles(timings)

    me = psutil.Process()
    me.cpu_percent()
    time.sleep(10)
    figures["signed_in_idle_cpu_percent"] = me.cpu_percent()  # includes the API server thread
    # Not the app's own memory: this process also serves the live API (bench_collector.py
    # measures the agent alone, in its own process).
    figures["process_with_api_rss_mb"] = me.memory_info().rss / 1e6

    app.quit()
    thread.join(timeout=30)
    server.stop()
    load = os.getloadavg()[0]
    for name, value in figures.items():
        print(f"{name:32} {value:10.2f}")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: indicative figures)")
    print("BENCH_JSON " + json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
