"""The desktop as the collector reads it: the front window, idle time, and honest refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from collector import desktop
from collector.desktop import linux

pytestmark = pytest.mark.display


def test_the_focused_window_gives_app_title_and_pid(titled_window: Callable[..., object]) -> None:
    window = titled_window("Quarterly report — draft 3")
    seen = desktop.active_window()
    assert seen is not None
    assert seen.app == "xterm"
    assert seen.title == "Quarterly report — draft 3"
    assert seen.pid == window.pid  # type: ignore[attr-defined]


def test_a_renamed_window_is_read_with_its_new_title(titled_window: Callable[..., object]) -> None:
    window = titled_window("before")
    window.rename("after: naïve café")  # type: ignore[attr-defined]
    seen = desktop.active_window()
    assert seen is not None
    assert seen.title == "after: naïve café"


def test_non_ascii_titles_survive(titled_window: Callable[..., object]) -> None:
    titled_window("Über — 日本語のメモ 📝")
    seen = desktop.active_window()
    assert seen is not None
    assert seen.title == "Über — 日本語のメモ 📝"


def test_focus_follows_the_window_that_is_activated(titled_window: Callable[..., object]) -> None:
    first = titled_window("first window")
    titled_window("second window", geometry="80x24+800+100")
    assert desktop.active_window().title == "second window"  # type: ignore[union-attr]
    first.activate()  # type: ignore[attr-defined]
    assert desktop.active_window().title == "first window"  # type: ignore[union-attr]


def test_a_closed_window_is_no_longer_reported(titled_window: Callable[..., object]) -> None:
    window = titled_window("about to close")
    window.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    seen = desktop.active_window()
    while seen is not None and seen.title == "about to close" and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = desktop.active_window()
    assert seen is None or seen.title != "about to close"


def test_idle_time_grows_without_input_and_resets_on_input(x_display: object, xdotool) -> None:
    xdotool.nudge()
    time.sleep(2.0)
    assert desktop.seconds_since_last_input() >= 1.9
    before = time.monotonic()
    xdotool.key("shift")
    assert desktop.seconds_since_last_input() <= time.monotonic() - before + 0.05
    time.sleep(1.0)
    before = time.monotonic()
    xdotool.move(500, 500) if xdotool.pointer() != (500, 500) else xdotool.move(501, 500)
    assert desktop.seconds_since_last_input() <= time.monotonic() - before + 0.05


def test_an_x11_desktop_with_a_window_manager_is_supported(x_display: object) -> None:
    assert desktop.detect().ok
    assert desktop.detect().platform == "x11"


def test_wayland_and_missing_displays_are_reported_not_recorded_blank(
    x_display: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    wayland = linux.detect()
    assert not wayland.ok
    assert wayland.platform == "wayland"
    assert "X11 session" in wayland.reason
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.delenv("DISPLAY")
    headless = linux.detect()
    assert not headless.ok
    assert "DISPLAY" in headless.reason


IMPORT_CHECK = """
import sys
import collector.desktop, collector.desktop.linux
import collector.desktop.windows, collector.desktop.macos
import collector.input_counts, collector.screenshots, collector.sampling, collector.privacy
import collector.desktop_source
from collector.desktop import detect
support = detect()
names = ("pynput", "pystray", "mss", "PIL", "duckdb", "polars", "fastapi", "streamlit")
heavy = sorted(m for m in names if m in sys.modules)
print(support.ok, support.platform, heavy)
"""


def test_the_sensing_modules_import_without_a_display_and_load_nothing_heavy() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "none", "[]"]
