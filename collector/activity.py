"""The activity sample: one interval of work as the `activity` table records it.

`Identity` stamps every row (the batcher adds batch_id); `IdleEvent`s go to the `sessions` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from collector.input_counts import InputCounts
from collector.privacy import Observation
from collector.resources import Resources


@dataclass(frozen=True, slots=True)
class Identity:
    """Who and what every row is stamped with (batch_id is added by the batcher)."""

    company_id: str
    user_id: str
    device_id: str
    session_id: str
    agent_version: str


@dataclass(frozen=True, slots=True)
class ActivitySample:
    """One sample interval, after the privacy rules; `to_row()` gives the `activity` row."""

    sample_id: str
    started_at: datetime
    ended_at: datetime
    status: Literal["active", "idle"]
    idle_seconds: float
    observation: Observation
    counts: InputCounts
    resources: Resources
    identity: Identity

    @property
    def duration_seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()

    def to_row(self, batch_id: str | None = None) -> dict[str, Any]:
        """The row of `lakehouse.schema.ACTIVITY` (without batch_id unless given)."""
        ids = self.identity
        row: dict[str, Any] = {
            "sample_id": self.sample_id,
            "company_id": ids.company_id,
            "user_id": ids.user_id,
            "device_id": ids.device_id,
            "session_id": ids.session_id,
            "ts": self.started_at,
            "duration_seconds": self.duration_seconds,
            "status": self.status,
            "idle_seconds": self.idle_seconds,
            "app": self.observation.app,
            "title": self.observation.title,
            "url": self.observation.url,
            "domain": self.observation.domain,
            "keystrokes": self.counts.keystrokes,
            "clicks": self.counts.clicks,
            "scrolls": self.counts.scrolls,
            "mouse_distance_px": self.counts.mouse_distance_px,
            "agent_cpu_percent": self.resources.cpu_percent,
            "agent_rss_bytes": self.resources.rss_bytes,
            "agent_version": ids.agent_version,
        }
        if batch_id is not None:
            row["batch_id"] = batch_id
        return row


@dataclass(frozen=True, slots=True)
class IdleEvent:
    """An idle period's start (the last input) or end (the first input after it)."""

    kind: Literal["idle_start", "idle_end"]
    at: datetime
