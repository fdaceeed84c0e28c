"""Valid rows of every lake table, for tests (a plain module, so tests can import it)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _identity(company_id: str, user_id: str, batch_id: str) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "company_id": company_id,
        "user_id": user_id,
        "device_id": "device-1",
        "session_id": "session-1",
    }


def activity_rows(
    n: int = 12, company_id: str = "acme", user_id: str = "ada", **overrides: Any
) -> list[dict[str, Any]]:
    """`n` valid activity samples 10 s apart, ending now; `overrides` replace fields in each."""
    batch_id = uuid.uuid4().hex
    return [
        {
            "sample_id": uuid.uuid4().hex,
            **_identity(company_id, user_id, batch_id),
            "ts": NOW - dt.timedelta(seconds=10 * (n - i)),
            "duration_seconds": 10.0,
            "status": "active",
            "idle_seconds": 0.5,
            "app": "code",
            "title": "main.py - teamtreck",
            "url": None,
            "domain": None,
            "keystrokes": 40 + i,
            "clicks": 3,
            "scrolls": 1,
            "mouse_distance_px": 800,
            "agent_cpu_percent": 0.25,
            "agent_rss_bytes": 52_000_000,
            "agent_version": "0.1.0",
            **overrides,
        }
        for i in range(n)
    ]


def screenshot_rows(
    n: int = 1, company_id: str = "acme", user_id: str = "ada", **overrides: Any
) -> list[dict[str, Any]]:
    """`n` valid screenshot rows."""
    batch_id = uuid.uuid4().hex
    rows = []
    for _ in range(n):
        capture_id = uuid.uuid4().hex
        folder = f"landing/images/company={company_id}/user={user_id}/date={NOW.date()}"
        path = f"{folder}/{capture_id}.png.sealed"
        rows.append(
            {
                "capture_id": capture_id,
                **_identity(company_id, user_id, batch_id),
                "ts": NOW,
                "display_id": 0,
                "display_label": "all",
                "width": 64,
                "height": 32,
                "format": "webp",
                "size_bytes": 1234,
                "blurred": False,
                "object_path": path,
                "app": "firefox",
                "title": "Inbox",
                **overrides,
            }
        )
    return rows


def session_rows(
    kinds: tuple[str, ...] = ("start", "pause", "resume", "end"),
    company_id: str = "acme",
    user_id: str = "ada",
) -> list[dict[str, Any]]:
    """One session's events, one minute apart."""
    batch_id = uuid.uuid4().hex
    return [
        {
            "event_id": uuid.uuid4().hex,
            **_identity(company_id, user_id, batch_id),
            "ts": NOW - dt.timedelta(minutes=len(kinds) - i),
            "kind": kind,
        }
        for i, kind in enumerate(kinds)
    ]
