"""The collector's own footprint, as it is reported in every sample."""

from __future__ import annotations

import time

import psutil

from collector.resources import ResourceMeter


def test_busy_work_shows_up_as_cpu_and_rss_matches_psutil() -> None:
    meter = ResourceMeter()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    busy = meter.measure()
    assert busy.cpu_percent > 5
    rss = psutil.Process().memory_info().rss
    assert abs(busy.rss_bytes - rss) < 64 * 1024 * 1024
    time.sleep(0.3)
    assert meter.measure().cpu_percent < busy.cpu_percent
