"""The tray: one look per state, a status line, and menu items that call the right action."""

from __future__ import annotations

import gc

import pytest

from collector.tray import (
    LOOKS,
    Snapshot,
    Tray,
    TrayState,
    menu_entries,
    render_icon,
    status_line,
)


class RecordingControls:
    """The app's controls at the Controls seam: records which action ran."""

    def __init__(self, state: TrayState = TrayState.STOPPED) -> None:
        self.state = state
        self.ran: list[str] = []

    def snapshot(self) -> Snapshot:
        return Snapshot(self.state, worked_seconds=3900, uploads_waiting=3)

    def start_work(self) -> None:
        self.ran.append("start")

    def pause_work(self) -> None:
        self.ran.append("pause")

    def resume_work(self) -> None:
        self.ran.append("resume")

    def end_work(self) -> None:
        self.ran.append("end")

    def show_activity(self) -> None:
        self.ran.append("activity")

    def sign_in(self) -> None:
        self.ran.append("sign_in")

    def sign_out(self) -> None:
        self.ran.append("sign_out")

    def quit(self) -> None:
        self.ran.append("quit")


def test_every_state_looks_different() -> None:
    pixels = {state: render_icon(state).getpixel((32, 8)) for state in TrayState}
    assert len(set(pixels.values())) == len(TrayState)
    assert set(LOOKS) == set(TrayState)
    assert render_icon(TrayState.WORKING, 22).size == (22, 22)


def test_status_line_shows_time_and_queue() -> None:
    line = status_line(Snapshot(TrayState.WORKING, worked_seconds=3900, uploads_waiting=3))
    assert line == "TeamTreck: working 1 h 05 min · 3 uploads waiting"
    assert status_line(Snapshot(TrayState.SIGNED_OUT)) == "TeamTreck: not signed in"
    offline = status_line(Snapshot(TrayState.OFFLINE, message="server unreachable"))
    assert offline == "TeamTreck: offline · server unreachable"


VISIBLE = {
    TrayState.SIGNED_OUT: ["My activity today", "Sign in", "Quit"],
    TrayState.STOPPED: ["Start work", "My activity today", "Sign out", "Quit"],
    TrayState.WORKING: ["Pause", "End work", "My activity today", "Sign out", "Quit"],
    TrayState.IDLE: ["Pause", "End work", "My activity today", "Sign out", "Quit"],
    TrayState.PAUSED: ["Resume", "End work", "My activity today", "Sign out", "Quit"],
}


@pytest.mark.parametrize("state", list(VISIBLE))
def test_menu_offers_what_fits_the_state(state: TrayState) -> None:
    controls = RecordingControls(state)
    shown = [label for label, _, visible in menu_entries(controls) if visible()]
    assert shown == VISIBLE[state]


def test_menu_items_call_the_right_action() -> None:
    controls = RecordingControls()
    for _label, action, _visible in menu_entries(controls):
        action()
    expected = ["start", "pause", "resume", "end", "activity", "sign_in", "sign_out", "quit"]
    assert controls.ran == expected


@pytest.mark.display
def test_tray_icon_on_a_real_display(x_display: object) -> None:
    controls = RecordingControls(TrayState.STOPPED)
    tray = Tray.create(controls)
    assert tray is not None
    tray.show()
    try:
        items = {item.text: item for item in tray.icon.menu.items}
        items["Start work"](tray.icon)  # what a click on the item does
        assert controls.ran == ["start"]
        assert items["Start work"].visible
        controls.state = TrayState.WORKING
        tray.update()
        assert tray.icon.title.startswith("TeamTreck: working 1 h 05 min")
        assert not items["Start work"].visible
        assert items["Pause"].visible
    finally:
        tray.stop()
        del tray, items
        gc.collect()  # close pystray's X connection while the X server still runs


def test_no_display_means_no_tray_and_no_crash() -> None:
    import os
    import subprocess
    import sys

    code = (
        "from collector.tray import Tray, TrayState, Snapshot\n"
        "class C:\n"
        "    def snapshot(self): return Snapshot(TrayState.STOPPED)\n"
        "print(Tray.create(C()))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_state_puts_sign_in_and_trouble_before_work() -> None:
    from collector.tray import tray_state

    def state(**kw: object) -> TrayState:
        base: dict[str, object] = {
            "signed_in": True,
            "online": True,
            "message": "",
            "work": "working",
            "idle": False,
        }
        return tray_state(**{**base, **kw})  # type: ignore[arg-type]

    assert state(signed_in=False, online=False) is TrayState.SIGNED_OUT
    assert state(online=False) is TrayState.OFFLINE
    assert state(online=None) is TrayState.WORKING  # not asked yet is not offline
    assert state(message="refused") is TrayState.ERROR
    assert state(idle=True) is TrayState.IDLE
    assert state(work="paused") is TrayState.PAUSED
    assert state(work="stopped") is TrayState.STOPPED
