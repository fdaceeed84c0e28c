"""What was recorded about me today: a local record the employee can always look at.

The lake is write-only for the collector, so the employee's own view is kept beside it: for
every sample the app, site, status and input counts (titles and URLs are not kept here), every
session event, and a small thumbnail of every screenshot. Everything is encrypted with a device
key (Fernet) kept in a 0600 file, and days before today are pruned. `summarize()` turns a day's
entries into the figures the page shows.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

KEY_FILE = "device.key"
THUMBNAIL_PX = 480


@dataclass
class DaySummary:
    """One day as the employee sees it."""

    day: date
    worked_seconds: float = 0.0
    active_seconds: float = 0.0
    idle_seconds: float = 0.0
    keystrokes: int = 0
    clicks: int = 0
    apps: list[tuple[str, float]] = field(default_factory=list)  # (app, seconds), longest first
    domains: list[tuple[str, float]] = field(default_factory=list)
    events: list[tuple[datetime, str]] = field(default_factory=list)  # session events
    screenshots: list[tuple[datetime, str, str]] = field(default_factory=list)  # ts, id, batch
    samples: list[dict[str, Any]] = field(default_factory=list)


def load_device_key(folder: Path) -> bytes:
    """This device's record key, created on first use (0600 in a 0700 folder)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    path = folder / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


class TransparencyRecord:
    """Appends what was recorded, encrypted, one file per day; reads a day back."""

    def __init__(self, folder: Path, key: bytes | None = None) -> None:
        self.folder = folder
        self._fernet = Fernet(key or load_device_key(folder))
        self._lock = threading.Lock()

    def record_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Keep what the employee should see of rows the collector stored."""
        for row in rows:
            entry = _entry_of(table, row)
            if entry is not None:
                self._append(row["ts"], entry)

    def record_image(self, capture_id: str, ts: datetime, image: bytes) -> None:
        """Keep a small thumbnail of a screenshot that was taken."""
        thumb = _thumbnail(image)
        path = self._day_folder(ts) / f"{capture_id}.thumb"
        with self._lock:
            path.write_bytes(self._fernet.encrypt(thumb))
            os.chmod(path, 0o600)

    def read_day(self, day: date) -> list[dict[str, Any]]:
        path = self.folder / day.isoformat() / "record.log"
        if not path.exists():
            return []
        entries = []
        for line in path.read_bytes().splitlines():
            with contextlib.suppress(InvalidToken, ValueError):  # a torn last line after a crash
                entries.append(json.loads(self._fernet.decrypt(line)))
        return entries

    def thumbnail(self, day: date, capture_id: str) -> bytes | None:
        if not capture_id.replace("-", "").isalnum():
            return None
        path = self.folder / day.isoformat() / f"{capture_id}.thumb"
        if not path.exists():
            return None
        return self._fernet.decrypt(path.read_bytes())

    def prune(self, *, keep_days: int = 1, today: date | None = None) -> int:
        """Delete the record of days older than `keep_days` (today counts as one)."""
        today = today or datetime.now(UTC).date()
        removed = 0
        for folder in self.folder.iterdir():
            with contextlib.suppress(ValueError):
                if (today - date.fromisoformat(folder.name)).days >= keep_days:
                    shutil.rmtree(folder)
                    removed += 1
        return removed

    def _append(self, ts: datetime, entry: dict[str, Any]) -> None:
        line = self._fernet.encrypt(json.dumps(entry).encode()) + b"\n"
        path = self._day_folder(ts) / "record.log"
        with self._lock:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "ab") as f:
                f.write(line)

    def _day_folder(self, ts: datetime) -> Path:
        folder = self.folder / ts.astimezone(UTC).date().isoformat()
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder


def _entry_of(table: str, row: dict[str, Any]) -> dict[str, Any] | None:
    common = {"table": table, "ts": row["ts"].astimezone(UTC).isoformat()}
    common["batch_id"] = row.get("batch_id", "")
    if table == "activity":
        keep = ("duration_seconds", "status", "idle_seconds", "app", "domain")
        return {**common, **{k: row.get(k) for k in keep}, **_counts(row)}
    if table == "screenshots":
        return {**common, "capture_id": row["capture_id"], "blurred": row.get("blurred", False)}
    if table == "sessions":
        return {**common, "kind": row["kind"], "session_id": row.get("session_id", "")}
    return None


def _counts(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(row.get(k) or 0) for k in ("keystrokes", "clicks", "scrolls")}


def _thumbnail(image: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        picture.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        out = io.BytesIO()
        picture.convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


def summarize(day: date, entries: list[dict[str, Any]]) -> DaySummary:
    """Add up a day's entries: pure, no I/O."""
    summary = DaySummary(day=day)
    apps: defaultdict[str, float] = defaultdict(float)
    domains: defaultdict[str, float] = defaultdict(float)
    for entry in entries:
        ts = datetime.fromisoformat(entry["ts"])
        if entry["table"] == "activity":
            seconds = float(entry["duration_seconds"])
            summary.worked_seconds += seconds
            if entry["status"] == "idle":
                summary.idle_seconds += seconds
            else:
                summary.active_seconds += seconds
            summary.keystrokes += entry["keystrokes"]
            summary.clicks += entry["clicks"]
            apps[entry.get("app") or "(unknown)"] += seconds
            if entry.get("domain"):
                domains[entry["domain"]] += seconds
            summary.samples.append(entry)
        elif entry["table"] == "screenshots":
            summary.screenshots.append((ts, entry["capture_id"], entry["batch_id"]))
        elif entry["table"] == "sessions":
            summary.events.append((ts, entry["kind"]))
    summary.apps = sorted(apps.items(), key=lambda item: -item[1])
    summary.domains = sorted(domains.items(), key=lambda item: -item[1])
    summary.events.sort()
    summary.screenshots.sort()
    return summary
