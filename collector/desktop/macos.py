"""macOS desktops: the frontmost app (AppKit), its window title (Quartz) and idle time (Quartz).

pyobjc is imported on first use; tests on other systems inject stand-ins for the `Quartz` and
`AppKit` modules with `use_bindings()` (the seam). Window titles need the Screen Recording
permission since macOS 10.15; without it apps are still known and `detect()` says what to grant.
"""

from __future__ import annotations

import sys
from typing import Any

from collector.desktop.window import DesktopUnavailableError, Support, WindowInfo

ANY_INPUT_EVENT = 0xFFFFFFFF  # kCGAnyInputEventType: ~0 as an unsigned 32-bit value

_bindings: tuple[Any, Any] | None = None  # (Quartz, AppKit)


def use_bindings(quartz: Any, appkit: Any) -> None:
    """Replace the pyobjc modules (tests); `use_bindings(None, None)` goes back to the real ones."""
    global _bindings
    _bindings = None if quartz is None else (quartz, appkit)


def _modules() -> tuple[Any, Any]:
    global _bindings
    if _bindings is None:
        if sys.platform != "darwin":
            raise DesktopUnavailableError("The macOS desktop can only be read on macOS.")
        try:
            import AppKit
            import Quartz
        except ImportError as e:
            raise DesktopUnavailableError(
                "pyobjc is missing: install pyobjc-framework-Quartz and pyobjc-framework-Cocoa."
            ) from e
        _bindings = (Quartz, AppKit)
    return _bindings


def detect() -> Support:
    """Readable on macOS with pyobjc; the reason names a missing Screen Recording permission."""
    try:
        quartz, _ = _modules()
    except DesktopUnavailableError as e:
        return Support(False, "macos", str(e))
    preflight = getattr(quartz, "CGPreflightScreenCaptureAccess", None)
    if preflight is not None and not preflight():
        reason = (
            "Window titles and screenshots need the Screen Recording permission: System "
            "Settings → Privacy & Security → Screen Recording → allow TeamTreck. "
            "Apps are recorded meanwhile."
        )
        return Support(True, "macos", reason)
    return Support(True, "macos")


def active_window() -> WindowInfo | None:
    """The frontmost application and the title of its frontmost normal window."""
    quartz, appkit = _modules()
    app = appkit.NSWorkspace.sharedWorkspace().frontmostApplication()
    if app is None:
        return None
    pid = int(app.processIdentifier())
    options = quartz.kCGWindowListOptionOnScreenOnly | quartz.kCGWindowListExcludeDesktopElements
    windows = quartz.CGWindowListCopyWindowInfo(options, quartz.kCGNullWindowID) or []
    title = ""
    for window in windows:  # front to back
        if (
            window.get(quartz.kCGWindowOwnerPID) == pid
            and window.get(quartz.kCGWindowLayer, 0) == 0
        ):
            title = str(window.get(quartz.kCGWindowName) or "")
            break
    return WindowInfo(app=str(app.localizedName() or ""), title=title, pid=pid)


def seconds_since_last_input() -> float:
    """Seconds since any keyboard or mouse event in this login session."""
    quartz, _ = _modules()
    state = quartz.kCGEventSourceStateCombinedSessionState
    return float(quartz.CGEventSourceSecondsSinceLastEventType(state, ANY_INPUT_EVENT))
