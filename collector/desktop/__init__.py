"""The desktop seen from the collector: the front window and the time since the last input.

Each platform lives in its own module (`linux` for X11, `windows`, `macos`) exposing the same three
functions; this package chooses one, once, by `sys.platform`. Nothing here touches a display at
import time, so the collector imports safely on a headless machine and says why it cannot sense.

    support = detect()
    if support.ok:
        window = active_window()          # WindowInfo(app, title, pid) | None
        idle = seconds_since_last_input()  # float
"""

from __future__ import annotations

import importlib
import sys
from functools import cache
from types import ModuleType

from collector.desktop.window import (
    DesktopUnavailableError,
    DesktopUnsupportedError,
    Support,
    WindowInfo,
)

__all__ = [
    "DesktopUnavailableError",
    "DesktopUnsupportedError",
    "Support",
    "WindowInfo",
    "active_window",
    "detect",
    "platform_module",
    "seconds_since_last_input",
]


@cache
def platform_module() -> ModuleType:
    """The module that senses this operating system's desktop (imported on first use)."""
    if sys.platform.startswith("win"):
        name = "windows"
    elif sys.platform == "darwin":
        name = "macos"
    else:
        name = "linux"
    return importlib.import_module(f"collector.desktop.{name}")


def detect() -> Support:
    """Whether the desktop can be sensed here; `reason` says what to do when it cannot."""
    support: Support = platform_module().detect()
    return support


def active_window() -> WindowInfo | None:
    """The window with the keyboard focus, or None when there is none (e.g. an empty desktop)."""
    window: WindowInfo | None = platform_module().active_window()
    return window


def seconds_since_last_input() -> float:
    """Seconds since the last keyboard or mouse input anywhere on the desktop."""
    seconds: float = platform_module().seconds_since_last_input()
    return seconds
