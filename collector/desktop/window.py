"""What every platform module reports: the front window and whether sensing works here."""

from __future__ import annotations

from dataclasses import dataclass

from collector.errors import CollectorStopped, TickSkipped


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """The window that has the keyboard focus, before any privacy rule is applied."""

    app: str  # the process name (e.g. "firefox"), or the window class when the process is unknown
    title: str
    pid: int | None


@dataclass(frozen=True, slots=True)
class Support:
    """Whether this desktop can be sensed, and if not, why (in words an employee can act on)."""

    ok: bool
    platform: str  # "x11", "windows", "macos", "wayland", "none"
    reason: str = ""


class DesktopUnavailableError(TickSkipped):
    """The desktop cannot be read (no display, Wayland, missing permission); see the message.

    A tick that meets it is skipped; `detect()` tells whether sensing can work at all.
    """


class DesktopUnsupportedError(CollectorStopped):
    """Sensing cannot work in this session at all (Wayland, no display); the message says why."""
