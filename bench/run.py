"""Run every benchmark and show each figure beside its target and its peer's figure.

Each benchmark runs as its own process (`--quick`: CI-sized, a few minutes in all; `--full`:
the real sizes, about half an hour) and reports its figures on a last line `BENCH_JSON {...}`.
The figures, their targets and peers are listed in bench/targets.py. Prints one table, the same
table in Markdown (for the README), and writes everything to bench/results/latest.json.

    uv run --all-extras python bench/run.py --quick
    uv run --all-extras python bench/run.py --full --only fleet,peer_query
    uv run --all-extras python bench/run.py --list

The machine's load is printed with the results: figures from a shared machine are indicative.
Targets are those of the real sizes: a quick run's verdicts show the machinery, not the product.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import BENCHES, DASHBOARD_PAGE_TARGET, FIGURES, Bench, Figure

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.json"
MARKER = "BENCH_JSON "


@dataclass
class Outcome:
    """What running one benchmark gave: its figures, or why there are none."""

    status: str  # "ok", "missing", "failed (exit N)", "timed out", "no BENCH_JSON line"
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)
    tail: list[str] = field(default_factory=list)  # last lines of output, when it failed


def parse_figures(output: str) -> dict[str, Any] | None:
    """The dict on the last `BENCH_JSON` line of `output`, or None when there is none."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            figures = json.loads(line[len(MARKER) :])
            if isinstance(figures, dict):
                return figures
    return None


def run_bench(bench: Bench, quick: bool) -> Outcome:
    """Run one benchmark script, echoing its output as it comes, and read its figures."""
    script = BENCH_DIR / bench.script
    if not script.exists():
        return Outcome("missing")
    args = bench.quick_args if quick else bench.full_args
    timeout = bench.quick_timeout_seconds if quick else bench.full_timeout_seconds
    print(f"\n=== {bench.name}: {bench.script} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=BENCH_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        print(f"  {lines[-1]}", flush=True)
    code = process.wait()
    timer.cancel()
    seconds = time.perf_counter() - started
    figures = parse_figures("\n".join(lines))
    if seconds >= timeout:
        return Outcome(f"timed out after {timeout:.0f} s", seconds, figures or {}, lines[-20:])
    if code != 0:
        return Outcome(f"failed (exit {code})", seconds, figures or {}, lines[-20:])
    if figures is None:
        return Outcome("no BENCH_JSON line", seconds)
    return Outcome("ok", seconds, figures)


def dashboard_figures(outcomes: dict[str, Outcome]) -> list[Figure]:
    """One figure per `<page>_page_ms` the dashboards benchmark reported."""
    found = outcomes.get("dashboards", Outcome("missing")).figures
    return [
        Figure("dashboards", key, f"dashboard page {key[: -len('_page_ms')]} ms",
               DASHBOARD_PAGE_TARGET)
        for key in sorted(found) if key.endswith("_page_ms")
    ]  # fmt: skip


def row(figure: Figure, outcomes: dict[str, Outcome]) -> dict[str, Any]:
    """One line of the table: the figure, measured, target, peer and whether it is met."""
    outcome = outcomes.get(figure.bench, Outcome("not run"))
    value = outcome.figures.get(figure.key)
    peer = outcome.figures.get(figure.peer_key) if figure.peer_key else None
    ok: bool | None = None
    if isinstance(value, int | float):
        checks = [figure.target.test(value)] if figure.target else []
        if isinstance(peer, int | float) and figure.beat_peer:
            checks.append(value < peer if figure.beat_peer == "lower" else value > peer)
        ok = all(checks) if checks else None
    return {
        "figure": figure.label,
        "bench": figure.bench,
        "key": figure.key,
        "measured": value,
        "target": figure.target.text if figure.target else "",
        "peer": peer,
        "peer_name": figure.peer_name,
        "ok": ok,
        "note": "" if value is not None else outcome.status,
    }


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def measured_cell(line: dict[str, Any]) -> str:
    """Yes/no figures (target "yes") read as words, the rest as numbers."""
    if line["target"] == "yes" and line["measured"] in (0, 1):
        return "yes" if line["measured"] else "no"
    return cell(line["measured"])


def verdict(line: dict[str, Any]) -> str:
    if line["ok"] is None:
        return line["note"] or "info"
    return "yes" if line["ok"] else "NO"


def peer_cell(line: dict[str, Any]) -> str:
    return f"{cell(line['peer'])} ({line['peer_name']})" if line["peer"] is not None else ""


def print_table(lines: list[dict[str, Any]]) -> None:
    width = max(len(line["figure"]) for line in lines)
    print(f"\n{'figure':<{width}}  {'measured':>12}  {'target':<12}  {'peer':<26}  ok?")
    for line in lines:
        print(
            f"{line['figure']:<{width}}  {measured_cell(line):>12}  {line['target']:<12}  "
            f"{peer_cell(line):<26}  {verdict(line)}"
        )


def print_markdown(lines: list[dict[str, Any]]) -> None:
    print("\n| figure | measured | target | peer | ok? |\n|---|---:|---|---|---|")
    for line in lines:
        print(
            f"| {line['figure'].strip(' …')} | {measured_cell(line)} | {line['target']} | "
            f"{peer_cell(line)} | {verdict(line)} |"
        )


def machine() -> dict[str, Any]:
    return {
        "cpus": psutil.cpu_count(),
        "load_average_1m": round(psutil.getloadavg()[0], 2),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
    }


def write_results(mode: str, outcomes: dict[str, Outcome], lines: list[dict[str, Any]]) -> Path:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "mode": mode,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "benches": {name: asdict(outcome) for name, outcome in outcomes.items()},
        "table": lines,
    }
    RESULTS.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return RESULTS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="CI-sized runs (the default)")
    mode.add_argument("--full", action="store_true", help="the real sizes (about 30 min)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--list", action="store_true", help="list benchmarks and figures")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for bench in BENCHES:
            keys = ", ".join(f.key for f in FIGURES if f.bench == bench.name)
            print(f"{bench.name:<12} {bench.script:<22} {keys}")
        return 0
    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    print(f"machine before start: {machine()} (shared machines give indicative figures)")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    outcomes = {bench.name: run_bench(bench, quick=not args.full) for bench in chosen}
    figures = [f for f in FIGURES if f.bench in outcomes] + dashboard_figures(outcomes)
    lines = [row(figure, outcomes) for figure in figures]
    print_table(lines)
    print_markdown(lines)
    if not args.full:
        print("\nquick sizes: the verdicts above are for the real sizes (run --full to judge them)")
    for name, outcome in outcomes.items():
        if outcome.status != "ok":
            print(f"{name}: {outcome.status}")
    path = write_results("full" if args.full else "quick", outcomes, lines)
    print(f"\nresults written to {path} (git-ignored)")
    broken = [n for n, o in outcomes.items() if o.status.startswith(("failed", "timed out"))]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
