"""Rows and keys for the collector's pipeline tests (what the sensing side would produce)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable
from typing import Any

from collector.errors import TickSkipped
from collector.source import Observed, Shot
from lakehouse.keys import CompanyKeyPair, KeyStore, MemoryKeyStore, generate_company_key
from lakehouse.layout import SEALED_ROW_EXT, parse_landing_path
from lakehouse.storage import Store

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


def screenshot_row(capture_id: str, ts: dt.datetime, object_path: str, size: int) -> dict[str, Any]:
    """One screenshot row as the sensing side hands it over (without batch_id)."""
    return {
        "capture_id": capture_id,
        "company_id": COMPANY,
        "user_id": USER,
        "device_id": DEVICE,
        "session_id": SESSION,
        "ts": ts,
        "display_id": 1,
        "display_label": "left",
        "width": 1920,
        "height": 1080,
        "format": "jpeg",
        "size_bytes": size,
        "blurred": False,
        "object_path": object_path,
        "app": "xterm",
        "title": "quarterly report – draft",
    }


IDS = {"company_id": COMPANY, "user_id": USER, "device_id": DEVICE, "session_id": SESSION}


class FakeClock:
    """A clock whose waits return at once and move time on (hours of ticks in milliseconds)."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        self.current += dt.timedelta(seconds=max(0.0, seconds))
        return stop.is_set()


class ScriptedSource:
    """A sensing stand-in at the agent's `Source` seam: one activity row per tick.

    Every `shot_every`-th tick also yields a screenshot; ticks listed in `skip` raise
    `TickSkipped`, ticks in `crash` raise an unexpected error, ticks in `invalid` yield a row
    that breaks the data contract; after `stop_after` ticks it sets
    `stop` (so a run ends on its own).
    """

    def __init__(
        self,
        image_path: Callable[[str, str, dt.date], str] | None = None,
        *,
        shot_every: int = 0,
        image_bytes: int = 2000,
        skip: frozenset[int] = frozenset(),
        crash: frozenset[int] = frozenset(),
        invalid: frozenset[int] = frozenset(),
        stop_after: int | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.image_path = image_path
        self.shot_every = shot_every
        self.image_bytes = image_bytes
        self.skip, self.crash, self.invalid = skip, crash, invalid
        self.stop_after, self.stop = stop_after, stop
        self.ticks = 0
        self.closed = False

    def tick(self, now: dt.datetime) -> Observed:
        self.ticks += 1
        if self.stop is not None and self.stop_after is not None and self.ticks >= self.stop_after:
            self.stop.set()
        if self.ticks in self.skip:
            raise TickSkipped("no window manager yet (scripted)")
        if self.ticks in self.crash:
            raise RuntimeError("scripted sensing bug")
        keystrokes = None if self.ticks in self.invalid else self.ticks  # None: a sensing bug
        observed = Observed(rows=[("activity", activity_row(now, keystrokes=keystrokes))])
        if self.shot_every and self.image_path and self.ticks % self.shot_every == 0:
            capture_id = str(uuid.uuid4())
            path = self.image_path(capture_id, "jpeg", now.date())
            image = os.urandom(self.image_bytes)
            observed.shots.append(Shot(path, image))
            observed.rows.append(("screenshots", screenshot_row(capture_id, now, path, len(image))))
        return observed

    def flush(self, now: dt.datetime) -> Observed:
        return Observed()

    def close(self) -> None:
        self.closed = True


def read_object(path: str, data: bytes, key_store: KeyStore) -> list[dict[str, Any]]:
    """The rows of one landing object of a table: a Parquet batch or one sealed row."""
    # The lake's side loads pyarrow: imported here, so an agent process using this module's
    # scripted source stays as small as a real one.
    from lakehouse.crypto import read_encrypted
    from lakehouse.intake import read_sealed_row

    key = parse_landing_path(path)
    if key.ext == SEALED_ROW_EXT:
        table = read_sealed_row(data, path, key.table, key_store)
    else:
        table = read_encrypted(data, key_store)
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def read_landing(store: Store, key_store: KeyStore) -> dict[str, list[dict[str, Any]]]:
    """Decrypt every landing object of a table with the private key (the lake's side)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for path in store.find("landing"):
        key = parse_landing_path(path)
        if key.table != "images":
            rows = read_object(path, store.get_bytes(path), key_store)
            tables.setdefault(key.table, []).extend(rows)
    return tables
