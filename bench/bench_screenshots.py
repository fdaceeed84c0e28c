"""Time and size of one screenshot, grab → encode, under Xvfb with screens full of text.

Starts its own Xvfb (3840x1080 as two 1920x1080 monitors) with openbox and fills both monitors
with xterm windows of anti-aliased text (source code, directory listings, a manual page), then
times `collector.screenshots.capture()` per encoding and prints milliseconds and kilobytes per
1920x1080 image. Sealing (AES-GCM, ~0.3 ms) is added later by the pipeline and is not included.

    uv run --all-extras python bench/bench_screenshots.py [--rounds 15]

The last line printed is `BENCH_JSON {...}`: `screenshot_ms` and `screenshot_kb` for the default
rules on one monitor (median ms, mean KB), then `<case>_ms` / `<case>_kb` for the other cases.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from collector.rules import ScreenshotRules
from collector.screenshots import capture

CONTENT = [  # (geometry, shell command printing realistic text)
    ("118x33+0+0", "cat /usr/lib/python3*/argparse.py"),
    ("118x33+960+0", "ls -la --color=always /usr/bin | head -400"),
    ("118x33+0+540", "cat /usr/lib/python3*/json/decoder.py"),
    ("118x33+960+540", "cat /usr/share/common-licenses/GPL-3"),
    ("236x66+1920+0", "cat /usr/lib/python3*/typing.py"),
]


@contextmanager
def x_server() -> Iterator[str]:
    read_fd, write_fd = os.pipe()
    command = [
        "Xvfb",
        "-displayfd",
        str(write_fd),
        "-screen",
        "0",
        "3840x1080x24",
        "-nolisten",
        "tcp",
    ]
    server = subprocess.Popen(
        [*command, "-noreset"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL
    )
    os.close(write_fd)
    received = b""
    while not received.endswith(b"\n"):
        select.select([read_fd], [], [], 20)
        chunk = os.read(read_fd, 16)
        if not chunk:
            break
        received += chunk
    os.close(read_fd)
    display = f":{received.decode().strip()}"
    env = {**os.environ, "DISPLAY": display}
    manager = subprocess.Popen(
        ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for name, geometry in (("a", "1920/508x1080/286+0+0"), ("b", "1920/508x1080/286+1920+0")):
        target = "screen" if name == "a" else "none"
        subprocess.run(
            ["xrandr", "--setmonitor", name, geometry, target], env=env, capture_output=True
        )
    terminals = [
        subprocess.Popen(
            [
                "xterm",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "9",
                "-geometry",
                geometry,
                "-e",
                "sh",
                "-c",
                f"{text}; sleep 600",
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        for geometry, text in CONTENT
    ]
    os.environ["DISPLAY"] = display
    _wait_until_drawn()
    try:
        yield display
    finally:
        for process in [*terminals, manager, server]:
            process.terminate()


def _wait_until_drawn(timeout_seconds: float = 60) -> None:
    """xterm with anti-aliased fonts takes seconds to fill the screen on a busy machine."""
    rules = ScreenshotRules(combine_monitors=True, max_width_px=3840, quality=90)
    sizes = [0]
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        time.sleep(1)
        sizes.append(capture(rules)[0].size_bytes)
        if sizes[-1] > 300_000 and abs(sizes[-1] - sizes[-2]) < sizes[-1] * 0.01:
            return
    raise RuntimeError(f"the terminals did not finish drawing in {timeout_seconds} s")


def measure(rules: ScreenshotRules, rounds: int) -> tuple[float, float, float, str]:
    """Median and max ms per capture call, mean KB per image, and the images' sizes."""
    times, sizes, shape = [], [], ""
    for _ in range(rounds):
        started = time.perf_counter()
        shots = capture(rules)
        times.append((time.perf_counter() - started) * 1000)
        sizes += [shot.size_bytes for shot in shots]
        shape = " + ".join(f"{shot.width}x{shot.height}" for shot in shots)
    return statistics.median(times), max(times), statistics.mean(sizes) / 1024, shape


def cases() -> list[tuple[str, ScreenshotRules]]:
    one = {"monitor_mode": "primary"}
    full = {**one, "max_width_px": 1920, "max_height_px": 1080}

    def rules(**settings: object) -> ScreenshotRules:
        return ScreenshotRules.model_validate(settings)

    return [
        ("DEFAULT: jpeg q60, fit 1280x720", rules(**one)),
        *[(f"jpeg q{q}, full size", rules(**full, quality=q)) for q in (30, 50, 70)],
        ("jpeg q50, fit 1600x900", rules(**one, quality=50, max_width_px=1600, max_height_px=900)),
        *[
            (f"webp q{q} method 0, full size", rules(**full, format="webp", quality=q))
            for q in (50, 70)
        ],
        ("webp q70 method 0, fit 1280x720", rules(**one, format="webp", quality=70)),
        ("default + blur", rules(**one, blur=True)),
        ("default, both monitors separately", rules(combine_monitors=False)),
        ("default, both monitors combined", rules()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 rounds each (as in CI)")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 3
    with x_server() as display:
        print(
            f"Xvfb {display}, 3840x1080 as 2 x 1920x1080, xterms of text; {args.rounds} rounds each"
        )
        print("(machine shared with other work: figures are indicative)\n")
        print(f"{'encoding':36} {'median ms':>10} {'max ms':>8} {'KB/image':>9}  images")
        figures: dict[str, float] = {}
        for number, (name, rules) in enumerate(cases()):
            median_ms, max_ms, kb, shape = measure(rules, args.rounds)
            print(f"{name:36} {median_ms:10.1f} {max_ms:8.1f} {kb:9.1f}  {shape}")
            key = "screenshot" if number == 0 else "screenshot_" + figure_name(name)
            figures |= {f"{key}_ms": round(median_ms, 2), f"{key}_kb": round(kb, 2)}
    print("BENCH_JSON " + json.dumps(figures))


def figure_name(case: str) -> str:
    """'jpeg q50, fit 1600x900' → 'jpeg_q50_fit_1600x900' (a name for the JSON figures)."""
    return re.sub(r"[^a-z0-9]+", "_", case.lower()).strip("_")


if __name__ == "__main__":
    main()
