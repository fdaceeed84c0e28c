"""The tray icon: the collector's state at a glance and the employee's menu.

The icon is a coloured disc with a letter badge per state; its tooltip is the status line
(state, session time, uploads waiting). The menu offers what fits the state: Start work,
Pause, Resume, End work, My activity today, Sign in / Sign out, Quit. Every item calls one
method of `Controls`, the same ones the CLI reaches over the control channel, so a desktop
without a tray (pystray's xorg backend has no menu) loses nothing but the picture.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)


class TrayState(StrEnum):
    SIGNED_OUT = "not signed in"
    STOPPED = "not working"
    WORKING = "working"
    PAUSED = "paused"
    IDLE = "idle"
    OFFLINE = "offline"
    ERROR = "error"


# state -> (disc colour, badge letter)
LOOKS: dict[TrayState, tuple[tuple[int, int, int], str]] = {
    TrayState.SIGNED_OUT: ((128, 128, 128), "?"),
    TrayState.STOPPED: ((90, 120, 160), "-"),
    TrayState.WORKING: ((40, 160, 70), "W"),
    TrayState.PAUSED: ((230, 170, 20), "P"),
    TrayState.IDLE: ((120, 90, 200), "I"),
    TrayState.OFFLINE: ((200, 110, 40), "O"),
    TrayState.ERROR: ((200, 40, 40), "!"),
}


@dataclass(frozen=True)
class Snapshot:
    """What the tray shows; built by the app from its parts."""

    state: TrayState
    worked_seconds: float = 0.0
    uploads_waiting: int = 0
    message: str = ""


class Controls(Protocol):
    """The actions behind the menu (the app implements them)."""

    def start_work(self) -> None: ...

    def pause_work(self) -> None: ...

    def resume_work(self) -> None: ...

    def end_work(self) -> None: ...

    def show_activity(self) -> None: ...

    def sign_in(self) -> None: ...

    def sign_out(self) -> None: ...

    def quit(self) -> None: ...

    def snapshot(self) -> Snapshot: ...


def tray_state(
    *, signed_in: bool, online: bool | None, message: str, work: str, idle: bool
) -> TrayState:
    """What the icon shows: sign-in and trouble first, then the work session."""
    if not signed_in:
        return TrayState.SIGNED_OUT
    if online is False:
        return TrayState.OFFLINE
    if message:
        return TrayState.ERROR
    if work == "paused":
        return TrayState.PAUSED
    if work == "working":
        return TrayState.IDLE if idle else TrayState.WORKING
    return TrayState.STOPPED


def render_icon(state: TrayState, size_px: int = 64) -> Image:
    """A disc in the state's colour with its badge letter."""
    from PIL import Image, ImageDraw

    colour, letter = LOOKS[state]
    image = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = size_px // 16
    draw.ellipse((margin, margin, size_px - margin, size_px - margin), fill=(*colour, 255))
    draw.text(
        (size_px / 2, size_px / 2),
        letter,
        fill=(255, 255, 255, 255),
        anchor="mm",
        font_size=size_px * 0.55,
    )
    return image


def status_line(snapshot: Snapshot) -> str:
    """`TeamTreck: working 1 h 05 min · 3 uploads waiting` (Latin-1: X11 titles need it)."""
    parts = [f"TeamTreck: {snapshot.state.value}"]
    if snapshot.state in (TrayState.WORKING, TrayState.PAUSED, TrayState.IDLE):
        minutes = int(snapshot.worked_seconds // 60)
        parts[0] += f" {minutes // 60} h {minutes % 60:02d} min"
    if snapshot.uploads_waiting:
        parts.append(f"{snapshot.uploads_waiting} uploads waiting")
    if snapshot.message:
        parts.append(snapshot.message)
    return " · ".join(parts)


def _working(state: TrayState) -> bool:
    return state in (TrayState.WORKING, TrayState.IDLE)


def menu_entries(controls: Controls) -> list[tuple[str, Callable[[], None], Callable[[], bool]]]:
    """(label, action, visible?) for every menu item, in order."""

    def when(test: Callable[[TrayState], bool]) -> Callable[[], bool]:
        return lambda: test(controls.snapshot().state)

    signed_in = when(lambda s: s is not TrayState.SIGNED_OUT)
    return [
        ("Start work", controls.start_work, when(lambda s: s is TrayState.STOPPED)),
        ("Pause", controls.pause_work, when(_working)),
        ("Resume", controls.resume_work, when(lambda s: s is TrayState.PAUSED)),
        ("End work", controls.end_work, when(lambda s: _working(s) or s is TrayState.PAUSED)),
        ("My activity today", controls.show_activity, lambda: True),
        ("Sign in", controls.sign_in, when(lambda s: s is TrayState.SIGNED_OUT)),
        ("Sign out", controls.sign_out, signed_in),
        ("Quit", controls.quit, lambda: True),
    ]


def _guarded(action: Callable[[], None], label: str) -> Callable[..., None]:
    def run(*_args: Any) -> None:
        try:
            action()
        except Exception as e:  # a failed action must not kill the tray's thread
            log.warning("menu action %r failed: %s", label, e)

    return run


class Tray:
    """The pystray icon, updated from snapshots."""

    def __init__(self, controls: Controls) -> None:
        import pystray  # needs a display: raises Xlib.error.DisplayNameError without one

        self.controls = controls
        items = [
            pystray.MenuItem(label, _guarded(action, label), visible=lambda _i, v=visible: v())
            for label, action, visible in menu_entries(controls)
        ]
        snapshot = controls.snapshot()
        self.shown = snapshot
        self.icon = pystray.Icon(
            "teamtreck", render_icon(snapshot.state), status_line(snapshot), pystray.Menu(*items)
        )

    @classmethod
    def create(cls, controls: Controls) -> Tray | None:
        """A tray icon, or None when this desktop has none (then the CLI is the only way)."""
        try:
            return cls(controls)
        except Exception as e:  # no display, no backend: Xlib raises its own error types
            log.info("no tray icon on this desktop (%s); use 'teamtreck collector status'", e)
            return None

    def show(self, timeout_seconds: float = 5.0) -> bool:
        """Run the icon's loop on a background thread; True once it is up."""
        ready = threading.Event()

        def setup(icon: Any) -> None:
            icon.visible = True
            ready.set()

        thread = threading.Thread(target=self.icon.run, kwargs={"setup": setup}, daemon=True)
        thread.start()
        return ready.wait(timeout_seconds)

    def update(self, snapshot: Snapshot | None = None) -> None:
        snapshot = snapshot or self.controls.snapshot()
        if snapshot.state is not self.shown.state:
            self.icon.icon = render_icon(snapshot.state)
        self.icon.title = status_line(snapshot)
        self.icon.update_menu()
        self.shown = snapshot

    def stop(self, timeout_seconds: float = 2.0) -> None:
        """Remove the icon; pystray's stop() can hang, so it gets a bounded thread."""
        stopper = threading.Thread(target=self.icon.stop, daemon=True)
        stopper.start()
        stopper.join(timeout_seconds)
