"""What the collector costs an employee's machine: CPU, memory, and the price of a screenshot.

Runs `teamtreck collector run` with default settings (10 s samples, 2 min batches, the default
screenshot rules) under Xvfb 1920x1080 + openbox, with an xterm full of changing text and synthetic
typing and mouse movement through xdotool, and prints:

- average CPU % of one core (whole run, and steady state after start-up), counting any child
  processes the agent waited for,
- steady (median of the second half) and peak RSS of the agent, and the peak RSS of the child
  processes it runs (the batch writer, every two minutes, see collector.footprint: each child's
  kernel high-water mark, read every 20 ms while it lives),
- time per screenshot, grab → encode → seal, and bytes per sealed 1920x1080 screenshot (measured
  in this process with the collector's own capture and the lake's seal, 20 times),
- what reached the lake (rows, images).

Targets: ≤ 1 % CPU, ≤ 100 MB RSS, ≤ 150 ms and ≤ 150 KB per screenshot. The last line printed is
`BENCH_JSON {...}` with the figures (read by bench/run.py).

    uv run --all-extras python bench/bench_collector.py             # 5 minutes
    uv run --all-extras python bench/bench_collector.py --seconds 30  # CI quick mode
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

SCREEN = "1920x1080x24"
TEXT_LOOP = "while true; do ls -laR /usr/share | head -c 30000; sleep 2; done"


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on the first display number that really answers (others may hold some)."""
    for number in range(90, 140):
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        command = ["Xvfb", f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"]
        server = subprocess.Popen([*command, "+extension", "RECORD"], stderr=subprocess.DEVNULL)
        for _ in range(40):
            time.sleep(0.1)
            probe = subprocess.run(["xdpyinfo", "-display", f":{number}"], capture_output=True)
            if probe.returncode == 0:
                return server, f":{number}"
        server.kill()
        server.wait()
    raise SystemExit("Xvfb did not start (apt-get install xvfb openbox xdotool xterm x11-utils)")


@contextmanager
def desktop() -> Iterator[dict[str, str]]:
    """Xvfb + openbox + a full-screen xterm printing text; yields the environment to use."""
    server, name = start_xvfb()
    env = {**os.environ, "DISPLAY": name, "XDG_SESSION_TYPE": "x11"}
    env.pop("WAYLAND_DISPLAY", None)
    helpers = [subprocess.Popen(["openbox", "--sm-disable"], env=env, stderr=subprocess.DEVNULL)]
    time.sleep(1.0)
    xterm = ["xterm", "-geometry", "240x70+0+0", "-T", "build log", "-e", "sh", "-c", TEXT_LOOP]
    helpers.append(subprocess.Popen(xterm, env=env, stderr=subprocess.DEVNULL))
    time.sleep(1.5)
    try:
        yield env
    finally:
        for process in [*helpers, server]:
            process.terminate()
            process.wait(10)


def synthetic_input(env: dict[str, str], stop: threading.Event) -> None:
    """A person at work: a few keys a second, the mouse moving now and then (xdotool / XTEST)."""
    step = 0
    while not stop.wait(0.5):
        step += 1
        subprocess.run(["xdotool", "type", "--delay", "40", "ok "], env=env, check=False)
        x, y = 200 + (step * 37) % 1500, 150 + (step * 23) % 800
        subprocess.run(["xdotool", "mousemove", str(x), str(y)], env=env, check=False)
        if step % 10 == 0:
            subprocess.run(["xdotool", "click", "4"], env=env, check=False)


Sample = tuple[float, float, int, int, int]  # elapsed s, CPU s, RSS, USS, children's RSS


def watch(pid: int, stop: threading.Event, samples: list[Sample]) -> None:
    """Every second: elapsed s, CPU seconds so far (with waited-for children), RSS and USS of
    the collector process, and the summed RSS of its running child processes."""
    process = psutil.Process(pid)
    started = time.monotonic()
    while not stop.wait(1.0):
        try:
            times = process.cpu_times()
            memory = process.memory_full_info()
            cpu = times.user + times.system + times.children_user + times.children_system
            children = sum(_rss_of(child) for child in process.children(recursive=True))
        except psutil.NoSuchProcess:
            return
        samples.append((time.monotonic() - started, cpu, memory.rss, memory.uss, children))


def watch_children(pid: int, stop: threading.Event, peaks: dict[int, int]) -> None:
    """Every 20 ms: the high-water mark of each child process of the collector (short-lived
    batch writers would slip between the 1 s samples of `watch`)."""
    process = psutil.Process(pid)
    while not stop.wait(0.02):
        try:
            children = process.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            peak = peak_rss_bytes(child.pid)
            if peak is not None:
                peaks[child.pid] = max(peak, peaks.get(child.pid, 0))


def _rss_of(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.NoSuchProcess:
        return 0


def peak_rss_bytes(pid: int) -> int | None:
    """The kernel's high-water mark of the process's resident memory (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def run_collector(
    env: dict[str, str], work: Path, seconds: float, with_input: bool
) -> tuple[dict[str, float], str]:
    """Run the headless collector for `seconds`; return CPU and memory figures, and what it said
    (the lake is `work / "lake"`)."""
    from lakehouse.keys import generate_company_key

    pair = generate_company_key("bench")
    key_file = work / "bench.pub"
    key_file.write_text(pair.public.to_text())
    teamtreck = shutil.which("teamtreck") or str(Path(sys.executable).parent / "teamtreck")
    run_env = {**env, "TEAMTRECK_HOME": str(work / "home")}
    command = [teamtreck, "collector", "run", "--lake-url", (work / "lake").as_uri()]
    command += ["--public-key", f"@{key_file}", "--company", "bench", "--user", "alice"]
    command += ["--seconds", str(seconds)]
    stop = threading.Event()
    samples: list[Sample] = []
    collector = subprocess.Popen(
        command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    watcher = threading.Thread(target=watch, args=(collector.pid, stop, samples))
    child_peaks: dict[int, int] = {}
    child_watcher = threading.Thread(target=watch_children, args=(collector.pid, stop, child_peaks))
    typist = threading.Thread(target=synthetic_input, args=(env, stop))
    watcher.start()
    child_watcher.start()
    if with_input:
        typist.start()
    peak = None
    while collector.poll() is None:
        peak = peak_rss_bytes(collector.pid) or peak
        time.sleep(0.5)
    stop.set()
    watcher.join()
    child_watcher.join()
    if with_input:
        typist.join()
    out, err = collector.communicate()
    if collector.returncode != 0:
        raise SystemExit(f"the collector failed:\n{err.decode()[-3000:]}")
    result = figures(samples, peak, seconds)
    children = [*child_peaks.values(), *(s[4] for s in samples)]
    result["children_peak_rss_mb"] = max(children, default=0) / (1024 * 1024)
    result["children_seen"] = len(child_peaks)
    return result, out.decode().strip()


def figures(samples: list[Sample], peak: int | None, seconds: float) -> dict[str, float]:
    """CPU % of one core (whole run and steady state) and RSS in MB."""
    if len(samples) < 3:
        raise SystemExit("too few measurements: run for longer")
    last_t, last_cpu = samples[-1][:2]
    settle = min(20.0, seconds / 3)
    steady = [s for s in samples if s[0] >= settle]
    t0, cpu0 = steady[0][:2]
    rss = [s[2] for s in samples]
    half = [s[2] for s in samples[len(samples) // 2 :]]
    mb = 1024 * 1024
    return {
        "cpu_percent_overall": 100 * last_cpu / last_t,
        "cpu_percent_steady": 100 * (last_cpu - cpu0) / max(last_t - t0, 1e-9),
        "rss_steady_mb": statistics.median(half) / mb,
        "rss_peak_mb": max(peak or 0, max(rss)) / mb,
        "uss_steady_mb": statistics.median(s[3] for s in samples[len(samples) // 2 :]) / mb,
        "children_peak_rss_mb": max(s[4] for s in samples) / mb,
    }


def screenshot_cost(env: dict[str, str], count: int = 20) -> dict[str, float]:
    """Grab → encode → seal with the collector's defaults, `count` times, in this process."""
    os.environ.update({"DISPLAY": env["DISPLAY"], "XDG_SESSION_TYPE": "x11"})
    from collector.rules import ScreenshotRules
    from collector.screenshots import capture
    from lakehouse.keys import generate_company_key
    from lakehouse.writer import seal_image

    public = generate_company_key("bench").public
    rules = ScreenshotRules()
    capture(rules)  # warm up imports and the X connection
    times_ms, sizes = [], []
    for n in range(count):
        started = time.perf_counter()
        shots = capture(rules)
        sealed = [seal_image(s.image, public, f"landing/images/x/{n}.jpeg.sealed") for s in shots]
        times_ms.append((time.perf_counter() - started) * 1000)
        sizes.append(sum(len(s) for s in sealed))
        time.sleep(0.3)
    ordered = sorted(times_ms)
    return {
        "shot_ms_mean": statistics.mean(times_ms),
        "shot_ms_p95": ordered[int(0.95 * (len(ordered) - 1))],
        "shot_kb_mean": statistics.mean(sizes) / 1024,
        "shot_kb_max": max(sizes) / 1024,
    }


def lake_contents(lake: Path) -> str:
    images = list((lake / "landing" / "images").rglob("*.sealed")) if lake.exists() else []
    batches = list((lake / "landing" / "activity").rglob("*.parquet")) if lake.exists() else []
    kb = [p.stat().st_size / 1024 for p in images]
    sizes = f", {statistics.mean(kb):.0f} KB each on average" if kb else ""
    return f"{len(batches)} activity batch files, {len(images)} sealed screenshots{sizes}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="how long the collector runs")
    parser.add_argument("--no-input", action="store_true", help="no synthetic typing or mouse")
    parser.add_argument("--quick", action="store_true", help="30 s (as in CI)")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 30.0
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-collector-") as folder, desktop() as env:
        run, said = run_collector(env, Path(folder), args.seconds, not args.no_input)
        shots = screenshot_cost(env)
        stored = lake_contents(Path(folder) / "lake")
    load_after = os.getloadavg()
    lines = [
        f"collector, default settings, {args.seconds:.0f} s under Xvfb {SCREEN}"
        f" {'without input' if args.no_input else 'with xdotool input'}",
        f"  machine load (1-min avg) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}"
        f" on {os.cpu_count()} cores",
        f"  CPU, % of one core: {run['cpu_percent_overall']:.2f} overall,"
        f" {run['cpu_percent_steady']:.2f} steady  (target ≤ 1)",
        f"  RSS: {run['rss_steady_mb']:.0f} MB steady, {run['rss_peak_mb']:.0f} MB peak"
        f"  (target ≤ 100); USS (private) {run['uss_steady_mb']:.0f} MB steady;"
        f" child processes {run['children_peak_rss_mb']:.0f} MB peak"
        f" ({run['children_seen']:.0f} seen)",
        f"  screenshot grab→seal: {shots['shot_ms_mean']:.0f} ms mean,"
        f" {shots['shot_ms_p95']:.0f} ms p95  (target ≤ 150)",
        f"  screenshot size sealed: {shots['shot_kb_mean']:.0f} KB mean,"
        f" {shots['shot_kb_max']:.0f} KB max  (target ≤ 150)",
        f"  lake: {stored}",
        f"  collector said: {said.splitlines()[-1] if said else '-'}",
    ]
    print("\n".join(lines))
    figures_json = {
        "collector_cpu_percent": run["cpu_percent_overall"],
        "collector_cpu_steady_percent": run["cpu_percent_steady"],
        "collector_rss_mb": run["rss_steady_mb"],
        "collector_peak_rss_mb": run["rss_peak_mb"],
        "collector_uss_mb": run["uss_steady_mb"],
        "collector_children_peak_rss_mb": run["children_peak_rss_mb"],
        "collector_shot_grab_to_seal_ms": shots["shot_ms_mean"],
        "collector_shot_grab_to_seal_p95_ms": shots["shot_ms_p95"],
        "collector_shot_sealed_kb": shots["shot_kb_mean"],
        "load_average_1min": load_after[0],
    }
    print("BENCH_JSON " + json.dumps({k: round(float(v), 3) for k, v in figures_json.items()}))


if __name__ == "__main__":
    main()
