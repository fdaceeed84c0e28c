"""What the agent's loop reads each tick: rows for the lake and images to seal.

`Source` is the seam between sensing and the pipeline. `DesktopSource` (collector.desktop_source)
composes the real sensing modules; tests and benchmarks may plug in their own source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Shot:
    """An encoded screenshot to seal; its row (table `screenshots`) names `object_path`."""

    object_path: str  # from Batcher.image_path(capture_id, fmt, day)
    image: bytes


@dataclass
class Observed:
    """What one tick produced: (table, row) pairs (rows already redacted) and screenshots."""

    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)


class Source(Protocol):
    """Sensing as the pipeline sees it. Raise `TickSkipped` when a tick cannot be sensed."""

    def tick(self, now: dt.datetime) -> Observed:
        """Sense what happened since the last tick (called every sample interval)."""

    def flush(self, now: dt.datetime) -> Observed:
        """Hand over whatever is held back (on pause, end or quit)."""

    def close(self) -> None:
        """Release listeners and handles."""
