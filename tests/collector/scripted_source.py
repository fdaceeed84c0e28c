"""A sensing stand-in at the agent's `Source` seam: a known sample every tick, a screenshot
every few ticks, and a log of everything it produced, so a test can compare the lake with it."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from collector.rules import Rules
from collector.source import Observed, Shot


def small_jpeg(colour: tuple[int, int, int] = (30, 90, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(out, "JPEG")
    return out.getvalue()


class ScriptedSource:
    """Produces one activity row per tick (5 keys, 2 clicks), a screenshot every `shot_every`."""

    generated: list[tuple[str, dict[str, Any]]]

    def __init__(
        self,
        ids: Mapping[str, str],
        batcher: Any,
        rules: Rules,
        shot_every: int = 3,
        idle_marks: bool = False,
    ):
        self.idle_marks = idle_marks  # an idle_start / idle_end row on alternate ticks
        self.ids = dict(ids)
        self.batcher = batcher
        self.rules = rules
        self.shot_every = shot_every
        self.ticks = 0
        self.generated = []
        self.images: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def apply_rules(self, rules: Rules) -> None:
        self.rules = rules

    def tick(self, now: dt.datetime) -> Observed:
        with self.lock:
            self.ticks += 1
            row = {
                "sample_id": uuid.uuid4().hex,
                **self.ids,
                "ts": now - dt.timedelta(seconds=10),
                "duration_seconds": 10.0,
                "status": "idle" if self.ticks % 7 == 0 else "active",
                "idle_seconds": 10.0 if self.ticks % 7 == 0 else 0.0,
                "app": "xterm",
                "title": "notes" if self.rules.tracking.titles else None,
                "url": None,
                "domain": None,
                "keystrokes": 5,
                "clicks": 2,
                "scrolls": 1,
                "mouse_distance_px": 100,
                "agent_cpu_percent": 0.5,
                "agent_rss_bytes": 1000,
                "agent_version": "test",
            }
            observed = Observed(rows=[("activity", row)])
            if self.idle_marks:
                kind = "idle_start" if self.ticks % 2 else "idle_end"
                mark = {"event_id": uuid.uuid4().hex, **self.ids, "ts": now, "kind": kind}
                observed.rows.append(("sessions", mark))
            if self.rules.screenshots.per_hour and self.ticks % self.shot_every == 0:
                self._shoot(observed, now)
            self.generated.extend(observed.rows)
            return observed

    def _shoot(self, observed: Observed, now: dt.datetime) -> None:
        capture_id = uuid.uuid4().hex
        path = self.batcher.image_path(capture_id, "jpeg", now.date())
        image = small_jpeg()
        self.images[capture_id] = image
        observed.shots.append(Shot(object_path=path, image=image))
        observed.rows.append(
            (
                "screenshots",
                {
                    "capture_id": capture_id,
                    **self.ids,
                    "ts": now,
                    "display_id": 1,
                    "display_label": "left",
                    "width": 320,
                    "height": 200,
                    "format": "jpeg",
                    "size_bytes": len(image),
                    "blurred": False,
                    "object_path": path,
                    "app": "xterm",
                    "title": None,
                },
            )
        )

    def flush(self, now: dt.datetime) -> Observed:
        return Observed()

    def close(self) -> None:
        pass


class SourceLog:
    """Makes scripted sources and keeps every one it made (one per work session)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.sources: list[ScriptedSource] = []

    def __call__(self, ids: Mapping[str, str], batcher: Any, rules: Rules) -> ScriptedSource:
        source = ScriptedSource(ids, batcher, rules, **self.options)
        self.sources.append(source)
        return source

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [row for s in self.sources for t, row in s.generated if t == table]
