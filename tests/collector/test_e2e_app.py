"""The whole employee side against a live API and a real lake: sign in, start, pause, resume,
end through the control channel; the lake then holds exactly what was recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lake_view import read_landing
from scripted_source import SourceLog

from collector.app import CollectorApp
from collector.config import CollectorSettings
from collector.control import AgentAlreadyRunning, ControlClient
from collector.credentials import FileTokenStore
from lakehouse.keys import FileKeyStore
from lakehouse.storage import open_store

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)


def wait_for(what: str, predicate: Callable[[], bool], timeout_seconds: float = 20) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@dataclass
class Desk:
    """A running collector app and the ways a test reaches it."""

    app: CollectorApp
    control: ControlClient
    sources: SourceLog
    notices: list[tuple[str, str]]
    thread: threading.Thread

    def tell(self, command: str, **args: Any) -> dict[str, Any]:
        return self.control.send(command, **args)


def collector_settings(folder: Path, **overrides: Any) -> CollectorSettings:
    values: dict[str, Any] = {
        "spool_dir": folder,
        "sample_interval_seconds": 0.1,
        "batch_interval_seconds": 0.4,
        "backoff_seconds": (0.2, 0.5),
        "rescan_seconds": 0.3,
        **overrides,
    }
    return CollectorSettings(**values)


def start_desk(
    live_api: LiveApi,
    folder: Path,
    make_source: Any = None,
    settings: dict[str, Any] | None = None,
    **app_options: Any,
) -> Desk:
    sources = SourceLog()
    notices: list[tuple[str, str]] = []
    app = CollectorApp(
        collector_settings(folder / "collector", **(settings or {})),
        live_api.url,
        make_source=make_source or sources,
        heartbeat_seconds=0.3,
        notify=lambda title, message: notices.append((title, message)),
        store=FileTokenStore(folder / "creds"),
        runtime=folder / "run",
        **app_options,
    )
    thread = threading.Thread(target=app.run, kwargs={"tray": False}, daemon=True)
    thread.start()
    control = ControlClient(folder / "run", timeout_seconds=60)
    wait_for("the control channel", lambda: (folder / "run" / "agent.sock").exists())
    return Desk(app, control, sources, notices, thread)


@pytest.fixture
def desk(live_api: LiveApi, tmp_path: Path) -> Iterator[Desk]:
    running = start_desk(live_api, tmp_path)
    yield running
    running.app.quit()
    running.thread.join(timeout=30)


def lake_of(live_api: LiveApi) -> Any:
    store = open_store(live_api.settings.resolved_lake_url())
    return read_landing(store, FileKeyStore(live_api.settings.resolved_key_store_dir()))


def test_a_work_session_from_sign_in_to_the_lake(live_api: LiveApi, desk: Desk) -> None:
    assert desk.tell("status")["state"] == "not signed in"
    with pytest.raises(Exception, match="Sign in first"):
        desk.tell("start")
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    assert desk.tell("status")["state"] == "not working"
    session_id = desk.tell("start")["session_id"]
    wait_for("a few samples", lambda: len(desk.sources.rows("activity")) >= 8)
    admin = live_api.admin()

    def present_apps() -> list[str | None]:
        return [p["current_app"] for p in admin.call("GET", "/admin/presence")]

    wait_for("the live view to show the app", lambda: "xterm" in present_apps())
    assert desk.tell("pause")["state"] == "paused"
    source = desk.sources.sources[0]
    ticks_at_pause = source.ticks
    time.sleep(0.6)  # six sample intervals while paused
    assert source.ticks == ticks_at_pause  # nothing is sensed while paused
    assert desk.tell("resume")["state"] == "working"
    wait_for("more samples", lambda: source.ticks >= ticks_at_pause + 6)
    assert desk.tell("end")["state"] == "not working"

    lake = lake_of(live_api)
    generated = desk.sources.rows("activity")
    landed = lake.table("activity")
    assert sorted(r["sample_id"] for r in landed) == sorted(r["sample_id"] for r in generated)
    assert sum(r["keystrokes"] for r in landed) == 5 * len(generated)
    assert {r["session_id"] for r in landed} == {session_id}
    shots = desk.sources.rows("screenshots")
    assert {r["capture_id"] for r in lake.table("screenshots")} == {r["capture_id"] for r in shots}
    assert lake.images == source.images  # every sealed image opens to the pixels taken
    kinds = [r["kind"] for r in lake.table("sessions") if r["session_id"] == session_id]
    assert kinds == ["start", "pause", "resume", "end"]
    server = live_api.admin().call("GET", "/admin/sessions/active")
    assert server == []  # the server's session is ended too


def test_a_second_instance_refuses_to_start(live_api: LiveApi, desk: Desk, tmp_path: Path) -> None:
    second = CollectorApp(
        collector_settings(tmp_path / "collector"),
        live_api.url,
        store=FileTokenStore(tmp_path / "creds"),
        runtime=tmp_path / "run",
    )
    with pytest.raises(AgentAlreadyRunning, match="already running"):
        second.run(tray=False)
    assert desk.tell("status")["state"] == "not signed in"  # the first one is unharmed


def test_my_activity_page_shows_the_session(live_api: LiveApi, desk: Desk) -> None:
    import httpx

    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    desk.tell("start")
    wait_for("samples", lambda: len(desk.sources.rows("activity")) >= 4)
    url = desk.tell("activity")["url"]
    # Before upload: the batch being filled shows as waiting.
    wait_for("a waiting sample", lambda: "<td id='waiting'>0 of" not in httpx.get(url).text)
    desk.tell("end")
    page = httpx.get(url).text
    assert "xterm" in page
    assert "UTC start</li>" in page
    assert "UTC end</li>" in page
    assert "<td id='waiting'>0 of" in page  # after upload: nothing waits
    assert "uploaded</figcaption>" in page
    assert "— waiting to upload</figcaption>" not in page
    assert httpx.get(url.rsplit("/", 2)[0] + "/").status_code == 404


def test_an_admin_force_end_stops_recording_within_one_heartbeat(
    live_api: LiveApi, desk: Desk
) -> None:
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    session_id = desk.tell("start")["session_id"]
    wait_for("samples", lambda: len(desk.sources.rows("activity")) >= 3)
    user_id = desk.tell("status")["user_id"]
    live_api.admin().call("POST", f"/admin/sessions/{user_id}/{session_id}/force-end")
    wait_for("the end_session command", lambda: desk.tell("status")["state"] == "not working", 30)
    source = desk.sources.sources[0]
    ticks = source.ticks
    time.sleep(0.5)
    assert source.ticks == ticks  # recording stopped

    def kinds() -> list[str]:
        return [r["kind"] for r in lake_of(live_api).table("sessions")]

    wait_for("the session's end in the lake", lambda: len(kinds()) >= 2)
    assert kinds() == ["start", "force_end"]  # the lake tells an admin's end from the employee's


def test_new_rules_take_effect_without_a_restart(live_api: LiveApi, desk: Desk) -> None:
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    desk.tell("start")
    source = desk.sources.sources[0]
    wait_for("samples", lambda: source.ticks >= 3)
    assert source.rules.tracking.titles is True
    admin = live_api.admin()
    document = admin.call("GET", "/rules")["rules"]
    document["tracking"]["titles"] = False
    admin.call("PUT", "/rules", json=document)
    wait_for("the new rules", lambda: source.rules.tracking.titles is False, 30)
    ticks = source.ticks
    wait_for("samples under the new rules", lambda: source.ticks >= ticks + 3)
    desk.tell("end")
    titles = [r["title"] for r in lake_of(live_api).table("activity")]
    assert titles[-1] is None
    assert titles[0] == "notes"


def test_force_logout_wipes_the_sign_in_and_stops(live_api: LiveApi, desk: Desk) -> None:
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    desk.tell("start")
    status = desk.tell("status")
    device_id = desk.app.device_id
    path = f"/admin/users/{status['user_id']}/devices/{device_id}/force-logout"
    live_api.admin().call("POST", path)
    wait_for("the sign-out", lambda: desk.tell("status")["state"] == "not signed in", 30)
    assert desk.app.work.current.state == "stopped"
    assert desk.app.store.load() is None


@pytest.mark.slow
def test_an_api_outage_loses_nothing_and_duplicates_nothing(live_api: LiveApi, desk: Desk) -> None:
    desk.tell("login", email=live_api.employee_email, password=live_api.password)
    session_id = desk.tell("start")["session_id"]
    wait_for("samples", lambda: len(desk.sources.rows("activity")) >= 3)
    live_api.stop()  # minutes of outage, compressed: many heartbeats fail meanwhile
    wait_for("offline", lambda: desk.tell("status")["state"] == "offline", 30)
    desk.tell("pause")
    time.sleep(0.5)
    desk.tell("resume")
    time.sleep(1.0)
    assert desk.tell("status")["events_waiting"] == 2
    live_api.start()
    wait_for("the outbox to drain", lambda: desk.tell("status")["events_waiting"] == 0, 10)
    assert desk.tell("status")["state"] == "working"
    desk.tell("end")
    export = live_api.admin().call(
        "GET", "/admin/sessions/export", params={"date": str(time.strftime("%Y-%m-%d"))}
    )
    kinds = [r["kind"] for r in export["rows"] if r["session_id"] == session_id]
    assert kinds == ["start", "pause", "resume", "end"]  # one session, every event once
    lake = lake_of(live_api)
    generated = desk.sources.rows("activity")
    assert lake.row_count["activity"] == len(generated)  # no duplicate rows either
    assert sorted(lake.rows["activity"]) == sorted(r["sample_id"] for r in generated)


@pytest.mark.display
def test_tray_menu_drives_the_app(live_api: LiveApi, tmp_path: Path, x_display: Any) -> None:
    import gc

    from collector.tray import Tray

    opened: list[str] = []
    desk = start_desk(live_api, tmp_path, open_url=opened.append)
    tray = Tray.create(desk.app)
    assert tray is not None
    try:
        tray.show()
        items = {item.text: item for item in tray.icon.menu.items}
        assert items["Sign in"].visible
        desk.tell("login", email=live_api.employee_email, password=live_api.password)
        assert not items["Sign in"].visible
        items["Start work"](tray.icon)
        assert desk.app.work.current.state == "working"
        tray.update()
        assert tray.icon.title.startswith("TeamTreck: working")
        items["Pause"](tray.icon)
        assert desk.tell("status")["state"] == "paused"
        items["Resume"](tray.icon)
        items["End work"](tray.icon)
        assert desk.tell("status")["state"] == "not working"
        items["My activity today"](tray.icon)
        assert opened == [desk.tell("activity")["url"]]
        items["Sign out"](tray.icon)
        assert desk.tell("status")["state"] == "not signed in"
        items["Quit"](tray.icon)
        desk.thread.join(timeout=30)
        assert not desk.thread.is_alive()
    finally:
        desk.app.quit()
        tray.stop()
        del tray, items
        gc.collect()


@pytest.mark.slow
def test_work_started_while_the_server_is_down_arrives_later(
    live_api: LiveApi, tmp_path: Path
) -> None:
    first = start_desk(live_api, tmp_path)
    first.tell("login", email=live_api.employee_email, password=live_api.password)
    first.tell("quit")
    first.thread.join(timeout=30)
    live_api.stop()  # the next morning the server is down
    desk = start_desk(live_api, tmp_path)
    try:
        session_id = desk.tell("start")["session_id"]  # works offline: key and rules are cached
        wait_for("samples", lambda: len(desk.sources.rows("activity")) >= 6)
        desk.tell("end")
        status = desk.tell("status")
        assert status["uploads_waiting"] > 0  # no storage grant yet: kept on disk
        assert status["events_waiting"] == 2
        live_api.start()
        wait_for("the uploads", lambda: desk.tell("status")["uploads_waiting"] == 0, 30)
        wait_for("the events", lambda: desk.tell("status")["events_waiting"] == 0, 30)
        lake = lake_of(live_api)
        generated = desk.sources.rows("activity")
        assert sorted(lake.rows["activity"]) == sorted(r["sample_id"] for r in generated)
        kinds = [r["kind"] for r in lake.table("sessions") if r["session_id"] == session_id]
        assert kinds == ["start", "end"]
        assert live_api.admin().call("GET", "/admin/sessions/active") == []
    finally:
        desk.app.quit()
        desk.thread.join(timeout=30)


def test_pausing_while_idle_marks_arrive_never_hangs(live_api: LiveApi, tmp_path: Path) -> None:
    sources = SourceLog(idle_marks=True)
    desk = start_desk(
        live_api, tmp_path, make_source=sources, settings={"sample_interval_seconds": 0.02}
    )
    try:
        desk.tell("login", email=live_api.employee_email, password=live_api.password)
        desk.tell("start")
        for _ in range(15):  # each pause meets a tick that is handing over an idle mark
            assert desk.tell("pause")["state"] == "paused"
            assert desk.tell("resume")["state"] in ("working", "idle")
        desk.tell("end")
        wait_for("the outbox to drain", lambda: desk.tell("status")["events_waiting"] == 0)
        export = live_api.admin().call(
            "GET", "/admin/sessions/export", params={"date": time.strftime("%Y-%m-%d")}
        )
        kinds = [r["kind"] for r in export["rows"]]
        assert kinds.count("pause") == 15
        assert "idle_start" in kinds
    finally:
        desk.app.quit()
        desk.thread.join(timeout=30)
