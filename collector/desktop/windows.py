"""Windows desktops: the foreground window and idle time from user32/kernel32 through ctypes.

The Win32 functions are reached through one `Win32` binding, made on first use on Windows; tests
on other systems inject a fake binding with `use_binding()` (the seam), so this module imports
and is exercised everywhere.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from ctypes import wintypes
from dataclasses import dataclass
from typing import Any

import psutil

from collector.desktop.window import DesktopUnavailableError, Support, WindowInfo

log = logging.getLogger(__name__)

TICK_MODULUS = 2**32  # GetTickCount wraps around every 49.7 days


class LASTINPUTINFO(ctypes.Structure):
    _fields_ = (("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD))


@dataclass(frozen=True)
class Win32:
    """The two DLLs this module calls (or stand-ins with the same functions)."""

    user32: Any
    kernel32: Any


_binding: Win32 | None = None


def use_binding(binding: Win32 | None) -> None:
    """Replace the Win32 binding (tests); None goes back to the real DLLs."""
    global _binding
    _binding = binding


def _api() -> Win32:
    global _binding
    if _binding is None:
        if not sys.platform.startswith("win"):
            raise DesktopUnavailableError("The Windows desktop can only be read on Windows.")
        windll = ctypes.windll  # exists on Windows only
        user32, kernel32 = windll.user32, windll.kernel32
        user32.GetForegroundWindow.restype = wintypes.HWND
        kernel32.GetTickCount.restype = wintypes.DWORD  # not a signed int: it would go negative
        _binding = Win32(user32, kernel32)
    return _binding


def detect() -> Support:
    """Windows can always be read from a desktop session (not from a service in session 0)."""
    try:
        _api()
    except DesktopUnavailableError as e:
        return Support(False, "windows", str(e))
    return Support(True, "windows")


def active_window() -> WindowInfo | None:
    """The foreground window's process name (e.g. "chrome.exe") and title."""
    api = _api()
    hwnd = api.user32.GetForegroundWindow()
    if not hwnd:
        return None  # the secure desktop (UAC, lock screen) or nothing focused
    length = int(api.user32.GetWindowTextLengthW(hwnd))
    buffer = ctypes.create_unicode_buffer(length + 1)
    api.user32.GetWindowTextW(hwnd, buffer, length + 1)
    pid = wintypes.DWORD(0)
    api.user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    return WindowInfo(app=_process_name(pid.value), title=buffer.value, pid=pid.value or None)


def seconds_since_last_input() -> float:
    """Seconds since the last input in this session (GetLastInputInfo against GetTickCount)."""
    api = _api()
    info = LASTINPUTINFO()
    info.cbSize = ctypes.sizeof(LASTINPUTINFO)
    if not api.user32.GetLastInputInfo(ctypes.byref(info)):
        raise DesktopUnavailableError(
            "GetLastInputInfo failed; the idle time is unknown this tick."
        )
    elapsed_ms = (int(api.kernel32.GetTickCount()) - int(info.dwTime)) % TICK_MODULUS
    return elapsed_ms / 1000.0


def _process_name(pid: int) -> str:
    if not pid:
        return ""
    try:
        return str(psutil.Process(pid).name())
    except (psutil.Error, OSError):
        log.debug("process %s of the foreground window is gone or not ours to see", pid)
        return ""
