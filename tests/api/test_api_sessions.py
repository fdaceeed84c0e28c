"""Work sessions: idempotent start, pause/resume/end, events, one open session, admin force-end."""

from __future__ import annotations

import datetime as dt
import uuid

import pyarrow as pa
from callers import Caller

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def _eid() -> str:
    return uuid.uuid4().hex


def test_a_full_session_with_replays(make_user) -> None:
    me: Caller = make_user()
    start = {"id": "s1", "event_id": "e-start", "ts": _at(0)}
    assert me.call("POST", "/api/me/sessions", json=start).json()["state"] == "active"
    again = me.call("POST", "/api/me/sessions", json=start)
    assert again.status_code == 200
    assert again.json()["state"] == "active"
    pause = {"event_id": "e-pause", "ts": _at(30)}
    assert me.call("POST", "/api/me/sessions/s1/pause", json=pause).json()["state"] == "paused"
    assert me.call("POST", "/api/me/sessions/s1/pause", json=pause).status_code == 200
    r = me.call("POST", "/api/me/sessions/s1/resume", json={"event_id": "e-res", "ts": _at(40)})
    assert r.json()["state"] == "active"
    for kind, minute in (("idle_start", 50), ("idle_end", 55)):
        r = me.call(
            "POST",
            "/api/me/sessions/s1/events",
            json={"event_id": f"e-{kind}", "ts": _at(minute), "kind": kind},
        )
        assert r.status_code == 200
    end = {"event_id": "e-end", "ts": _at(90), "summary": {"active_seconds": 4000}}
    ended = me.call("POST", "/api/me/sessions/s1/end", json=end).json()
    assert ended["state"] == "ended"
    assert ended["summary"] == {"active_seconds": 4000}
    assert ended["ended_at"].startswith("2026-11-20T10:30")
    assert me.call("POST", "/api/me/sessions/s1/end", json=end).status_code == 200


def test_one_open_session_per_person(make_user) -> None:
    me: Caller = make_user()
    me.call("POST", "/api/me/sessions", json={"id": "a", "event_id": _eid(), "ts": _at(0)})
    r = me.call("POST", "/api/me/sessions", json={"id": "b", "event_id": _eid(), "ts": _at(1)})
    assert r.status_code == 409
    assert r.json()["error"]["details"]["open_session_id"] == "a"
    assert me.call("GET", "/api/me/sessions/current").json()["id"] == "a"


def test_wrong_transitions_say_what_state_the_session_is_in(make_user) -> None:
    me: Caller = make_user()
    me.call("POST", "/api/me/sessions", json={"id": "a", "event_id": _eid(), "ts": _at(0)})
    r = me.call("POST", "/api/me/sessions/a/resume", json={"event_id": _eid(), "ts": _at(1)})
    assert r.status_code == 409
    assert "active" in r.json()["error"]["message"]
    r = me.call("POST", "/api/me/sessions/nope/pause", json={"event_id": _eid(), "ts": _at(1)})
    assert r.status_code == 404


def test_naive_timestamps_are_refused(make_user) -> None:
    me: Caller = make_user()
    r = me.call(
        "POST", "/api/me/sessions", json={"id": "a", "event_id": "e", "ts": "2026-11-20T09:00:00"}
    )
    assert r.status_code == 422


def test_history_for_a_date_range(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    me.call("POST", "/api/me/sessions", json={"id": "a", "event_id": _eid(), "ts": _at(0)})
    mine = me.call(
        "GET", "/api/me/sessions", params={"from": "2026-11-20", "to": "2026-11-20"}
    ).json()
    assert [s["id"] for s in mine] == ["a"]
    assert (
        me.call("GET", "/api/me/sessions", params={"from": "2026-11-21", "to": "2026-11-22"}).json()
        == []
    )
    seen = admin.call(
        "GET",
        f"/api/users/{me.user_id}/sessions",
        params={"from": "2026-11-19", "to": "2026-11-20"},
    ).json()
    assert [s["id"] for s in seen] == ["a"]


def test_admin_force_end_becomes_a_command_for_the_device(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    me.call("POST", "/api/me/sessions", json={"id": "a", "event_id": _eid(), "ts": _at(0)})
    active = admin.call("GET", "/api/admin/sessions/active").json()
    assert [(s["user_id"], s["id"]) for s in active] == [(me.user_id, "a")]
    ended = admin.call("POST", f"/api/admin/sessions/{me.user_id}/a/force-end").json()
    assert ended["state"] == "ended"
    assert ended["ended_by"] == "admin"
    beat = me.call(
        "POST", "/api/agent/heartbeat", json={"status": "working", "session_id": "a"}
    ).json()
    assert [(c["kind"], c["payload"]) for c in beat["commands"]] == [
        ("end_session", {"session_id": "a"})
    ]
    assert admin.call("GET", "/api/admin/sessions/active").json() == []


def test_export_gives_lake_rows_for_a_day(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    me.call("POST", "/api/me/sessions", json={"id": "a", "event_id": "e1", "ts": _at(0)})
    me.call("POST", "/api/me/sessions/a/pause", json={"event_id": "e2", "ts": _at(5)})
    export = admin.call("GET", "/api/admin/sessions/export", params={"date": "2026-11-20"}).json()
    from lakehouse.schema import SESSIONS

    rows = export["rows"]
    assert [r["kind"] for r in rows] == ["start", "pause"]
    assert set(rows[0]) == set(SESSIONS.names)
    assert rows[0]["user_id"] == me.user_id
    assert rows[0]["device_id"] == me.device_id
    table = pa.Table.from_pylist(
        [{**r, "ts": dt.datetime.fromisoformat(r["ts"])} for r in rows], schema=SESSIONS
    )
    assert table.num_rows == 2
    assert (
        me.call("GET", "/api/admin/sessions/export", params={"date": "2026-11-20"}).status_code
        == 403
    )
