"""Work sessions against a live API: in order, journaled while offline, never duplicated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from collector.api_client import ApiClient
from collector.credentials import FileTokenStore
from collector.worksession import WorkSession, WorkSessionError

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)


class ListRecorder:
    """Stands in for the agent's pipeline at the Recorder seam: remembers what it was told."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self, session_id: str) -> None:
        self.calls.append(f"start:{session_id}")

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self, end_kind: str = "end") -> None:
        self.calls.append("stop" if end_kind == "end" else f"stop:{end_kind}")


class StepClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _signed_in(live_api: LiveApi, tmp_path: Path, **kwargs: Any) -> ApiClient:
    client = ApiClient(
        live_api.url, FileTokenStore(tmp_path / "creds"), timeout_seconds=2, **kwargs
    )
    client.login(live_api.employee_email, live_api.password, uuid.uuid4().hex, "0.1")
    return client


def _server_events(live_api: LiveApi, day: datetime) -> list[tuple[str, str]]:
    rows = live_api.admin().call("GET", "/admin/sessions/export", params={"date": str(day.date())})
    return [(r["session_id"], r["kind"]) for r in rows["rows"]]


def test_a_session_reaches_the_api_in_order(live_api: LiveApi, tmp_path: Path) -> None:
    clock = StepClock()
    recorder = ListRecorder()
    work = WorkSession(tmp_path / "work", _signed_in(live_api, tmp_path), recorder, clock=clock)
    session_id = work.start()
    with pytest.raises(WorkSessionError, match="already running since"):
        work.start()
    clock.advance(600)
    work.pause()
    clock.advance(300)
    assert work.worked_seconds() == 600
    work.resume()
    clock.advance(60)
    work.mark_idle("idle_start", clock())
    clock.advance(60)
    work.mark_idle("idle_end", clock())
    clock.advance(5)  # the server orders events by time
    work.end()
    assert recorder.calls == [f"start:{session_id}", "pause", "resume", "stop"]
    assert work.outbox == []
    kinds = ["start", "pause", "resume", "idle_start", "idle_end", "end"]
    assert _server_events(live_api, clock()) == [(session_id, k) for k in kinds]
    with pytest.raises(WorkSessionError, match="not running"):
        work.pause()


def test_an_outage_loses_nothing_and_duplicates_nothing(live_api: LiveApi, tmp_path: Path) -> None:
    clock = StepClock()
    api = _signed_in(live_api, tmp_path)
    work = WorkSession(tmp_path / "work", api, ListRecorder(), clock=clock)
    session_id = work.start()
    live_api.stop()  # the API goes down in the middle of the day
    clock.advance(60)
    work.pause()  # recording never waits for the network
    clock.advance(60)
    work.resume()
    clock.advance(60)
    work.end()
    assert [e.kind for e in work.outbox] == ["pause", "resume", "end"]
    assert work.send_pending() == 0
    # The app restarts while still offline: the outbox is on disk.
    again = WorkSession(tmp_path / "work", api, ListRecorder(), clock=clock)
    assert [e.kind for e in again.outbox] == ["pause", "resume", "end"]
    live_api.start()
    # "pause" reached the server but its answer was lost: it is sent again with the same id.
    first = again.outbox[0]
    api.change_session(first.session_id, "pause", first.event_id, datetime.fromisoformat(first.ts))
    assert again.send_pending() == 3
    assert again.outbox == []
    kinds = ["start", "pause", "resume", "end"]
    assert _server_events(live_api, clock()) == [(session_id, k) for k in kinds]


def test_a_crashed_session_is_closed_at_its_last_sign_of_life(
    live_api: LiveApi, tmp_path: Path
) -> None:
    clock = StepClock()
    api = _signed_in(live_api, tmp_path)
    work = WorkSession(tmp_path / "work", api, ListRecorder(), clock=clock)
    session_id = work.start()
    clock.advance(120)
    work.mark_alive()
    clock.advance(3600)  # the machine was off for an hour
    after_crash = WorkSession(tmp_path / "work", api, ListRecorder(), clock=clock)
    assert after_crash.current.state == "working"
    after_crash.recover()
    assert after_crash.send_pending() == 1
    assert api.current_session() is None
    ended = [e for e in _server_events(live_api, clock()) if e[1] == "end"]
    assert ended == [(session_id, "end")]
    assert after_crash.start() != session_id


def test_an_admin_end_while_offline_is_not_fought(live_api: LiveApi, tmp_path: Path) -> None:
    clock = StepClock()
    api = _signed_in(live_api, tmp_path)
    work = WorkSession(tmp_path / "work", api, ListRecorder(), clock=clock)
    session_id = work.start()
    user_id = api.signed_in().user_id  # type: ignore[union-attr]
    live_api.admin().call("POST", f"/admin/sessions/{user_id}/{session_id}/force-end")
    clock.advance(30)
    work.pause()  # the server says the session is ended: the event is dropped, not retried
    assert work.outbox == []
    work.end(by_server=True)
    assert work.current.state == "stopped"


class BrokenRecorder(ListRecorder):
    def start(self, session_id: str) -> None:
        raise RuntimeError("no company key on this device")

    def stop(self, end_kind: str = "end") -> None:
        raise RuntimeError("disk full while closing")


def test_a_recorder_that_cannot_start_leaves_no_session(live_api: LiveApi, tmp_path: Path) -> None:
    work = WorkSession(tmp_path / "work", _signed_in(live_api, tmp_path), BrokenRecorder())
    with pytest.raises(RuntimeError, match="no company key"):
        work.start()
    assert work.current.state == "stopped"
    assert work.outbox == []


def test_end_is_recorded_even_when_closing_fails(live_api: LiveApi, tmp_path: Path) -> None:
    recorder = BrokenRecorder()
    recorder.start = ListRecorder.start.__get__(recorder)  # type: ignore[method-assign]
    work = WorkSession(tmp_path / "work", _signed_in(live_api, tmp_path), recorder)
    work.start()
    work.end()
    assert work.current.state == "stopped"
    assert work.api.current_session() is None
