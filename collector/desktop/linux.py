"""X11 desktops: EWMH properties through python-xlib, idle time from the XScreenSaver extension.

One connection to the X server is opened on first use and reopened after the server goes away.
Wayland sessions are refused in `detect()`: EWMH there only sees XWayland windows, which would
record wrong apps rather than none.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import psutil

from collector.desktop.window import DesktopUnavailableError, Support, WindowInfo

log = logging.getLogger(__name__)

_lock = threading.Lock()
_connection: Any = None  # Xlib.display.Display, opened lazily


def detect() -> Support:
    """Whether X11 sensing works here; Wayland and a missing DISPLAY are reported, not guessed."""
    if _is_wayland():
        return Support(
            False,
            "wayland",
            "This is a Wayland session: windows and input cannot be read. "
            "Log in with an X11 session (e.g. 'GNOME on Xorg') to record activity.",
        )
    if not os.environ.get("DISPLAY"):
        return Support(
            False,
            "none",
            "No display (DISPLAY is not set): run the collector in a desktop session.",
        )
    try:
        with _lock:
            display = _display()
            missing = [e for e in ("MIT-SCREEN-SAVER", "RECORD") if not display.has_extension(e)]
            has_wm = _root_property(display, "_NET_SUPPORTED") is not None
    except DesktopUnavailableError as e:
        return Support(False, "x11", str(e))
    if missing:
        return Support(
            False,
            "x11",
            f"The X server lacks the {' and '.join(missing)} extension(s) that idle time and "
            "input counts need; enable them in the X server's configuration.",
        )
    if not has_wm:
        return Support(
            False, "x11", "No EWMH window manager is running: the active window is unknown."
        )
    return Support(True, "x11")


def active_window() -> WindowInfo | None:
    """The window named by the root's _NET_ACTIVE_WINDOW, with its process name and title."""
    from Xlib.error import XError

    with _lock:
        display = _display()
        try:
            return _read_active_window(display)
        except XError:
            return None  # the window closed while we read it: nothing is in front this instant
        except Exception as e:
            _forget_display(e)
            raise DesktopUnavailableError(
                f"The X server stopped answering ({type(e).__name__}); it will be retried."
            ) from e


def seconds_since_last_input() -> float:
    """The XScreenSaver idle counter in seconds; any real or injected input resets it."""
    with _lock:
        display = _display()
        try:
            info = display.screen().root.screensaver_query_info()
        except Exception as e:
            _forget_display(e)
            raise DesktopUnavailableError(
                f"The X server stopped answering ({e}); it will be retried."
            ) from e
        return float(info.idle) / 1000.0


def _is_wayland() -> bool:
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or bool(
        os.environ.get("WAYLAND_DISPLAY")
    )


def _display() -> Any:
    global _connection
    if _connection is None:
        if not os.environ.get("DISPLAY"):
            raise DesktopUnavailableError(
                "No display (DISPLAY is not set): run the collector in a desktop session."
            )
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        try:
            _connection = xdisplay.Display()
        except (DisplayError, OSError) as e:
            raise DesktopUnavailableError(
                f"Cannot open the X display ({e}); is the desktop session running?"
            ) from e
    return _connection


def _forget_display(error: Exception) -> None:
    global _connection
    log.warning("X connection error (%s); reconnecting on the next read", type(error).__name__)
    if _connection is not None:
        try:
            _connection.close()
        except Exception:
            log.debug("closing a broken X connection failed", exc_info=True)
    _connection = None


def _read_active_window(display: Any) -> WindowInfo | None:
    active = _root_property(display, "_NET_ACTIVE_WINDOW")
    if active is None or not len(active.value) or active.value[0] == 0:
        return None
    window = display.create_resource_object("window", int(active.value[0]))
    pid_property = _property(display, window, "_NET_WM_PID")
    pid = (
        int(pid_property.value[0]) if pid_property is not None and len(pid_property.value) else None
    )
    return WindowInfo(app=_app_name(window, pid), title=_title(display, window), pid=pid)


def _root_property(display: Any, name: str) -> Any:
    return _property(display, display.screen().root, name)


def _property(display: Any, window: Any, name: str) -> Any:
    from Xlib import X

    return window.get_full_property(display.intern_atom(name), X.AnyPropertyType)


def _title(display: Any, window: Any) -> str:
    # AnyPropertyType: a title set as STRING comes back empty when asked for UTF8_STRING.
    for name in ("_NET_WM_NAME", "WM_NAME"):
        prop = _property(display, window, name)
        if prop is not None and prop.value:
            return _decode(display, prop)
    return ""


def _decode(display: Any, prop: Any) -> str:
    value = prop.value
    if isinstance(value, str):
        return value
    raw = bytes(value)
    # Many programs (xdotool among them) put UTF-8 bytes in a property typed STRING, so UTF-8
    # is tried first; genuine Latin-1 text with accents is almost never valid UTF-8.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if prop.property_type == display.intern_atom("STRING"):
            return raw.decode("latin-1")
        return raw.decode("utf-8", errors="replace")


def _app_name(window: Any, pid: int | None) -> str:
    if pid is not None:
        try:
            return str(psutil.Process(pid).name())
        except (psutil.Error, OSError):
            log.debug("process %s of the active window is gone or hidden", pid)
    wm_class = window.get_wm_class()
    return str(wm_class[1]) if wm_class else ""
