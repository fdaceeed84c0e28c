"""Rows and keys for the collector's pipeline tests (what the sensing side would produce)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lakehouse.keys import CompanyKeyPair, MemoryKeyStore, generate_company_key

COMPANY = "acme"
USER = "alice"
DEVICE = "6f1c2f7e-52a4-4b39-9d51-0c6a4a4f0a11"
SESSION = "s-0001"


def company_keys() -> tuple[CompanyKeyPair, MemoryKeyStore]:
    """A fresh company key pair and a key store holding its private half (the lake's side)."""
    pair = generate_company_key(COMPANY)
    store = MemoryKeyStore()
    store.save(pair)
    return pair, store


def activity_row(ts: dt.datetime, keystrokes: int = 3, **fields: Any) -> dict[str, Any]:
    """One activity sample as the sampler hands it over (without batch_id)."""
    row: dict[str, Any] = {
        "sample_id": str(uuid.uuid4()),
        "company_id": COMPANY,
        "user_id": USER,
        "device_id": DEVICE,
        "session_id": SESSION,
        "ts": ts,
        "duration_seconds": 10.0,
        "status": "active",
        "idle_seconds": 0.0,
        "app": "xterm",
        "title": "quarterly report – draft",
        "url": None,
        "domain": None,
        "keystrokes": keystrokes,
        "clicks": 2,
        "scrolls": 1,
        "mouse_distance_px": 420,
        "agent_cpu_percent": 0.4,
        "agent_rss_bytes": 50_000_000,
        "agent_version": "0.1.0",
    }
    row.update(fields)
    return row
