"""Telling the employee how long they were away when they come back after an idle stretch.

The sampler marks idle periods with `idle_start` / `idle_end` rows (table `sessions`); this
listener turns the pair into one notification, "You were away for 12 min", through a
`Notifier` (desktop notification via `notify-send` where there is one, else the log).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

Notifier = Callable[[str, str], None]  # (title, message)


def desktop_notifier(title: str, message: str) -> None:
    """A desktop notification where `notify-send` exists; the log otherwise."""
    tool = shutil.which("notify-send")
    if tool is None:
        log.info("%s: %s", title, message)
        return
    subprocess.run([tool, "--app-name=TeamTreck", title, message], check=False, timeout=5)


def away_message(seconds: float) -> str:
    minutes = max(round(seconds / 60), 1)
    away = f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
    return f"You were away for {away}. That time is recorded as idle."


class IdleNotice:
    """Listens to session rows; notifies on `idle_end`, forwards both marks."""

    def __init__(
        self,
        notify: Notifier = desktop_notifier,
        on_mark: Callable[[str, dt.datetime], None] | None = None,
    ) -> None:
        self.notify = notify
        self.on_mark = on_mark
        self.idle_since: dt.datetime | None = None

    @property
    def idle(self) -> bool:
        return self.idle_since is not None

    def __call__(self, table: str, row: Mapping[str, Any]) -> None:
        if table != "sessions" or row["kind"] not in ("idle_start", "idle_end"):
            return
        at: dt.datetime = row["ts"]
        if self.on_mark is not None:
            self.on_mark(row["kind"], at)
        if row["kind"] == "idle_start":
            self.idle_since = at
            return
        since, self.idle_since = self.idle_since, None
        if since is not None:
            self.notify("Welcome back", away_message((at - since).total_seconds()))
