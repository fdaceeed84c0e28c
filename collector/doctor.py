"""What works on this desktop: each check says what it found, or why not and what to do.

Checks: display, window manager, idle source, input hooks, screenshots, monitors, lake storage,
spool folder and clock. None of them records or sends anything; window titles are never shown.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from collector.config import CollectorSettings


@dataclass(frozen=True)
class Check:
    """One finding: `ok`, and a detail that says what was found or what to do."""

    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def run_checks(settings: CollectorSettings) -> list[Check]:
    """Run every check; one failing never stops the others."""
    checks: list[tuple[str, Callable[[], str]]] = [
        ("display", check_display),
        ("window manager", check_window_manager),
        ("idle source", check_idle_source),
        ("input hooks", check_input_hooks),
        ("monitors", check_monitors),
        ("screenshots", check_screenshots),
        ("storage", lambda: check_storage(settings)),
        ("spool", lambda: check_spool(settings)),
        ("clock", check_clock),
    ]
    return [_run(name, check) for name, check in checks]


def _run(name: str, check: Callable[[], str]) -> Check:
    try:
        return Check(name, True, check())
    except Exception as e:  # a check reports what went wrong; it never crashes the doctor
        lines = str(e).strip().splitlines()
        return Check(name, False, lines[0] if lines else type(e).__name__)


def check_display() -> str:
    """Is there a desktop session we can talk to?"""
    if sys.platform.startswith("linux"):
        if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
            raise RuntimeError(
                "this is a Wayland session: log in with an X11 session (e.g. 'GNOME on Xorg')"
            )
        name = os.environ.get("DISPLAY")
        if not name:
            raise RuntimeError("DISPLAY is not set: run the collector inside a desktop session")
        from Xlib.display import Display

        display = Display(name)
        try:
            screen = display.screen()
            return f"X11 {name}, screen {screen.width_in_pixels}x{screen.height_in_pixels}"
        finally:
            display.close()
    return sys.platform


def check_window_manager() -> str:
    """Can the active window be read (needs an EWMH window manager on X11)?"""
    from collector import desktop

    support = desktop.detect()
    if not support.ok:
        raise RuntimeError(support.reason)
    window = desktop.active_window()
    if window is None:
        return "running; no window has the focus right now"
    return f"running; the active window belongs to '{window.app}'"  # the app name, never the title


def check_idle_source() -> str:
    """Can the time since the last input be read?"""
    from collector import desktop

    support = desktop.detect()
    if not support.ok:
        raise RuntimeError(support.reason)
    return f"last input {desktop.seconds_since_last_input():.1f} s ago"


def check_input_hooks() -> str:
    """Can keystrokes and clicks be counted (never their content)?"""
    from collector import desktop
    from collector.input_counts import InputCounter

    support = desktop.detect()
    if not support.ok:
        raise RuntimeError(support.reason)

    counter = InputCounter()
    counter.start_timeout_seconds = 5.0
    counter.start()
    try:
        if not counter.running:
            raise RuntimeError("the input listeners stopped right after starting")
        return "keyboard and mouse listeners running (counts only)"
    finally:
        counter.stop()


def check_monitors() -> str:
    """Which monitors would screenshots see?"""
    import mss

    with mss.MSS() as screen:
        monitors = screen.monitors[1:]
    if not monitors:
        raise RuntimeError("no monitor found")
    shapes = ", ".join(f"{m['width']}x{m['height']}+{m['left']}+{m['top']}" for m in monitors)
    return f"{len(monitors)} monitor(s): {shapes}"


def check_screenshots() -> str:
    """Can the screen be grabbed, and how big and slow is one screenshot?"""
    from collector.rules import ScreenshotRules
    from collector.screenshots import capture

    started = time.perf_counter()
    captures = capture(ScreenshotRules())
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not captures:
        raise RuntimeError("no screenshot could be taken (no monitor matched)")
    sizes = ", ".join(
        f"{c.width}x{c.height} {c.format} {len(c.image) // 1024} KB" for c in captures
    )
    return f"{sizes} in {elapsed_ms:.0f} ms"


def check_storage(settings: CollectorSettings) -> str:
    """Can the lake be reached with the settings given?"""
    from lakehouse.storage import open_store

    store = open_store(settings.lake_url, **settings.storage_options())
    if store.is_local:
        if not os.access(store.root, os.W_OK):
            raise RuntimeError(f"{store.root} is not writable by this user")
        return f"{store.url} is a writable folder"
    # Ask about a path of our own: a grant may allow writing there without listing the bucket.
    probe = store.full_path(f"landing/activity/company={settings.company_id}/.reachable")
    try:
        store.fs.info(probe, timeout=settings.upload_timeout_seconds)
    except FileNotFoundError:
        pass  # the store answered
    except Exception as e:
        raise RuntimeError(f"{store.url} cannot be reached: {type(e).__name__}: {e}") from e
    return f"{store.url} reachable"


def check_spool(settings: CollectorSettings) -> str:
    """Is the spool folder private, writable, and how full is it?"""
    from collector.spool import Spool

    spool = Spool(settings.spool_dir / "spool", settings.spool_budget_bytes)
    mode = stat.S_IMODE(spool.folder.stat().st_mode)
    stats = spool.stats()
    free_mb = shutil.disk_usage(spool.folder).free // (1024 * 1024)
    problems = [
        f"{stats.aside_count} set aside (run 'teamtreck collector retry')"
        * bool(stats.aside_count),
        f"{stats.quarantined_count} quarantined" * bool(stats.quarantined_count),
        f"{stats.screenshots_dropped} screenshots dropped for space"
        * bool(stats.screenshots_dropped),
    ]
    notes = "; ".join(p for p in problems if p)
    return (
        f"{spool.folder} ({mode:o}), {stats.pending_count} waiting "
        f"({stats.pending_bytes // 1024} KB), {free_mb} MB free on disk"
        + (f"; {notes}" if notes else "")
    )


def check_clock() -> str:
    """Is the clock plausible? Samples carry UTC times, so a wrong clock misplaces them."""
    now = dt.datetime.now(dt.UTC)
    local = now.astimezone()
    if now.year < 2024:
        raise RuntimeError(f"the clock says {now:%Y-%m-%d}: set the date and time (enable NTP)")
    return f"UTC {now:%Y-%m-%d %H:%M:%S}, local offset {local:%z} ({local.tzname()})"
