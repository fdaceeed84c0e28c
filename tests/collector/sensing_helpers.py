"""Helpers for tests that drive the real desktop source (not fixtures: plain functions)."""

from __future__ import annotations

import time

from collector.desktop_source import DesktopSource


def wait_for_keys(source: DesktopSource, keystrokes: int, timeout_seconds: float = 20) -> None:
    """pynput delivers input on its own thread: wait until it has counted what xdotool sent."""
    deadline = time.monotonic() + timeout_seconds
    while source.counter.peek().keystrokes < keystrokes and time.monotonic() < deadline:
        time.sleep(0.02)
