"""Benchmarks must not rot: every module imports, run.py reads and judges figures, and the
smallest configurations of the fleet load and the peer query still run and check themselves.

Timings are never asserted here (a benchmark is not a test); what is asserted is what the
benchmarks themselves promise: no errors, nothing lost, both answers agree.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from run import Outcome, parse_figures, print_markdown, row, run_bench
from targets import BENCHES, FIGURES, Bench, Figure, at_most, equal

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH_DIR.glob("*.py")))
def test_every_benchmark_module_imports(script: str) -> None:
    module = importlib.import_module(script.removesuffix(".py"))
    assert module.__doc__, f"bench/{script} should say what it measures in its docstring"


def test_every_figure_names_a_known_benchmark() -> None:
    names = {bench.name for bench in BENCHES}
    assert {figure.bench for figure in FIGURES} <= names


def test_the_last_bench_json_line_holds_the_figures() -> None:
    output = 'BENCH_JSON {"a_ms": 1}\nnoise\nBENCH_JSON {"a_ms": 2.5, "b": 3}\ntrailing words'
    assert parse_figures(output) == {"a_ms": 2.5, "b": 3}
    assert parse_figures("no figures at all") is None


def test_a_figure_must_meet_its_target_and_beat_its_peer() -> None:
    figure = Figure("q", "day_ms", "day", at_most(1000, " ms"), "aw_day_ms", "aw", "lower")
    faster = row(figure, {"q": Outcome("ok", figures={"day_ms": 10.0, "aw_day_ms": 900.0})})
    slower = row(figure, {"q": Outcome("ok", figures={"day_ms": 950.0, "aw_day_ms": 900.0})})
    absent = row(figure, {"q": Outcome("no BENCH_JSON line")})
    assert (faster["ok"], slower["ok"], absent["ok"]) == (True, False, None)
    assert faster["peer"] == 900.0
    assert faster["target"] == "≤ 1,000 ms"
    assert absent["note"] == "no BENCH_JSON line"


def test_the_markdown_table_reads_yes_no_figures_as_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figure = Figure("f", "fleet_nothing_lost", "nothing lost", equal(1, "yes"))
    print_markdown([row(figure, {"f": Outcome("ok", figures={"fleet_nothing_lost": 0})})])
    assert "| nothing lost | no | yes |  | NO |" in capsys.readouterr().out


def test_a_benchmark_script_runs_and_its_figures_are_read(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        'import sys\nprint("working", sys.argv[1:])\nprint(\'BENCH_JSON {"x_ms": 4}\')\n'
    )
    silent = tmp_path / "silent.py"
    silent.write_text("print('no figures')\n")
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit(3)\n")
    assert run_bench(Bench("good", str(good)), quick=True).figures == {"x_ms": 4}
    assert run_bench(Bench("silent", str(silent)), quick=True).status == "no BENCH_JSON line"
    assert run_bench(Bench("broken", str(broken)), quick=True).status == "failed (exit 3)"
    assert run_bench(Bench("gone", str(tmp_path / "gone.py")), quick=True).status == "missing"


@pytest.mark.slow
@pytest.mark.s3
def test_a_small_fleet_loses_nothing() -> None:
    from load_fleet import parse_args, run

    small = {"collectors": 20, "seconds": 6, "batch-seconds": 3, "screenshot-seconds": 2}
    args = parse_args([f"--{k}={v}" for k, v in {**small, "image-kb": 20}.items()])
    figures = run(args)
    assert figures["fleet_errors"] == 0
    assert figures["fleet_rows_sent"] > 0
    assert figures["fleet_rows_curated"] == figures["fleet_rows_sent"]
    assert figures["fleet_quarantined"] == 0
    assert figures["fleet_nothing_lost"] == 1
    assert figures["fleet_put_screenshot_rows_per_second"] > 0


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="aw-server's venv is built for Linux here")
def test_our_day_and_aw_servers_day_agree() -> None:
    from peer_query import parse_args, run

    figures = run(parse_args(["--days", "2", "--users", "3", "--aw-repeats", "1"]))
    assert figures["day_answers_agree"] == 1
    assert figures["day_active_seconds"] == figures["aw_day_active_seconds"] > 0
