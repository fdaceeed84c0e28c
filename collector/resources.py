"""What the collector itself costs: its CPU share and resident memory (psutil)."""

from __future__ import annotations

from dataclasses import dataclass

import psutil


@dataclass(frozen=True, slots=True)
class Resources:
    """This process's use of the machine since the previous measurement."""

    cpu_percent: float  # of one core, like `top`; can exceed 100 with several busy threads
    rss_bytes: int


class ResourceMeter:
    """Measures this process; the first CPU figure covers the time since the meter was made."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # psutil's CPU % is relative to the previous call

    def measure(self) -> Resources:
        """CPU % since the previous call and the current resident set size."""
        with self._process.oneshot():
            cpu = float(self._process.cpu_percent(None))
            rss = int(self._process.memory_info().rss)
        return Resources(cpu_percent=cpu, rss_bytes=rss)
