"""The Windows and macOS readers, run here through fakes injected at their binding seams.

The fakes behave like the real functions do (ctypes buffers and out-parameters filled in,
pyobjc dictionaries keyed by the Quartz constants), so the code under test is the real code.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from collector.desktop import macos, windows
from collector.desktop.window import DesktopUnavailableError, WindowInfo

OUR_NAME = psutil.Process().name()


class FakeUser32:
    """user32 as ctypes.windll exposes it (method names are the Win32 ones)."""

    def __init__(self, hwnd: int, title: str, pid: int, last_input_ms: int) -> None:
        self.hwnd, self.title, self.pid, self.last_input_ms = hwnd, title, pid, last_input_ms
        self.input_info_works = True

    def GetForegroundWindow(self) -> int:
        return self.hwnd

    def GetWindowTextLengthW(self, hwnd: int) -> int:
        return len(self.title)

    def GetWindowTextW(self, hwnd: int, buffer: Any, size: int) -> int:
        buffer.value = self.title[: size - 1]
        return len(buffer.value)

    def GetWindowThreadProcessId(self, hwnd: int, pid_ref: Any) -> int:
        pid_ref._obj.value = self.pid
        return 1

    def GetLastInputInfo(self, info_ref: Any) -> int:
        assert info_ref._obj.cbSize == ctypes.sizeof(windows.LASTINPUTINFO)
        info_ref._obj.dwTime = self.last_input_ms
        return int(self.input_info_works)


class FakeKernel32:
    def __init__(self, tick_ms: int) -> None:
        self.tick_ms = tick_ms

    def GetTickCount(self) -> int:
        return self.tick_ms


@pytest.fixture
def win32() -> Iterator[FakeUser32]:
    user32 = FakeUser32(
        hwnd=0x1234, title="Budget.xlsx - Excel", pid=os.getpid(), last_input_ms=9_000
    )
    windows.use_binding(windows.Win32(user32, FakeKernel32(tick_ms=12_500)))
    yield user32
    windows.use_binding(None)


def test_windows_reads_the_foreground_window(win32: FakeUser32) -> None:
    assert windows.active_window() == WindowInfo(OUR_NAME, "Budget.xlsx - Excel", os.getpid())
    win32.title = "Straße — 東京 📈"
    assert windows.active_window().title == "Straße — 東京 📈"  # type: ignore[union-attr]
    win32.hwnd = 0  # the lock screen or a UAC prompt
    assert windows.active_window() is None


def test_windows_idle_time_survives_the_tick_counter_wrapping(win32: FakeUser32) -> None:
    assert windows.seconds_since_last_input() == 3.5
    win32.last_input_ms = 2**32 - 1_000  # input just before the 49.7-day wrap
    windows.use_binding(windows.Win32(win32, FakeKernel32(tick_ms=500)))
    assert windows.seconds_since_last_input() == 1.5
    win32.input_info_works = False
    with pytest.raises(DesktopUnavailableError, match="GetLastInputInfo"):
        windows.seconds_since_last_input()


def test_windows_says_so_when_it_is_not_windows() -> None:
    support = windows.detect()
    assert not support.ok
    assert "only be read on Windows" in support.reason


class FakeApp:
    def __init__(self, name: str, pid: int) -> None:
        self.name, self.pid = name, pid

    def localizedName(self) -> str:
        return self.name

    def processIdentifier(self) -> int:
        return self.pid


class FakeAppKit:
    def __init__(self) -> None:
        self.front: FakeApp | None = FakeApp("Safari", 501)
        self.NSWorkspace = self

    def sharedWorkspace(self) -> FakeAppKit:
        return self

    def frontmostApplication(self) -> FakeApp | None:
        return self.front


class FakeQuartz:
    kCGWindowListOptionOnScreenOnly = 1
    kCGWindowListExcludeDesktopElements = 16
    kCGNullWindowID = 0
    kCGWindowOwnerPID = "kCGWindowOwnerPID"
    kCGWindowLayer = "kCGWindowLayer"
    kCGWindowName = "kCGWindowName"
    kCGEventSourceStateCombinedSessionState = 0

    def __init__(self) -> None:
        self.windows: list[dict[str, Any]] = [
            {"kCGWindowOwnerPID": 88, "kCGWindowLayer": 25, "kCGWindowName": "Menu bar clock"},
            {"kCGWindowOwnerPID": 501, "kCGWindowLayer": 3, "kCGWindowName": "a floating panel"},
            {"kCGWindowOwnerPID": 501, "kCGWindowLayer": 0, "kCGWindowName": "Tickets – Jira"},
            {"kCGWindowOwnerPID": 501, "kCGWindowLayer": 0, "kCGWindowName": "a window behind"},
        ]
        self.idle_seconds = 42.5
        self.screen_recording_allowed = True

    def CGWindowListCopyWindowInfo(self, options: int, window_id: int) -> list[dict[str, Any]]:
        assert options == 17
        return self.windows

    def CGEventSourceSecondsSinceLastEventType(self, state: int, event_type: int) -> float:
        assert event_type == 0xFFFFFFFF
        return self.idle_seconds

    def CGPreflightScreenCaptureAccess(self) -> bool:
        return self.screen_recording_allowed


@pytest.fixture
def quartz() -> Iterator[tuple[FakeQuartz, FakeAppKit]]:
    fakes = FakeQuartz(), FakeAppKit()
    macos.use_bindings(*fakes)
    yield fakes
    macos.use_bindings(None, None)


def test_macos_reads_the_frontmost_apps_front_window(quartz: tuple[FakeQuartz, FakeAppKit]) -> None:
    fake_quartz, appkit = quartz
    assert macos.active_window() == WindowInfo("Safari", "Tickets – Jira", 501)
    fake_quartz.windows = [w for w in fake_quartz.windows if w["kCGWindowLayer"] != 0]
    assert macos.active_window() == WindowInfo("Safari", "", 501)  # no title without permission
    appkit.front = None
    assert macos.active_window() is None


def test_macos_idle_time_and_permission_advice(quartz: tuple[FakeQuartz, FakeAppKit]) -> None:
    fake_quartz, _ = quartz
    assert macos.seconds_since_last_input() == 42.5
    assert macos.detect().ok
    assert macos.detect().reason == ""
    fake_quartz.screen_recording_allowed = False
    assert "Screen Recording" in macos.detect().reason


def test_macos_says_so_when_it_is_not_macos() -> None:
    support = macos.detect()
    assert not support.ok
    assert "only be read on macOS" in support.reason
