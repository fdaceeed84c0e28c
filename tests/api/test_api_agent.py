"""Heartbeats, presence and the command queue."""

from __future__ import annotations

from callers import Caller, sign_in
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings


def test_heartbeat_sets_presence_seen_by_admins(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    beat = {
        "status": "working",
        "session_id": "s1",
        "queue_sizes": {"activity": 2},
        "agent_version": "0.2",
        "current_app": "firefox",
    }
    r = me.call("POST", "/api/agent/heartbeat", json=beat)
    assert r.status_code == 200
    assert r.json()["commands"] == []
    presence = {p["user_id"]: p for p in admin.call("GET", "/api/admin/presence").json()}
    mine = presence[me.user_id]
    assert mine["online"] is True
    assert (mine["status"], mine["current_app"], mine["session_id"]) == ("working", "firefox", "s1")
    assert presence[admin.user_id]["online"] is False  # signed in, but never sent a heartbeat


def test_force_logout_repeats_until_acknowledged_then_signs_the_device_out(
    make_user, admin: Caller
) -> None:
    me: Caller = make_user()
    made = admin.call("POST", f"/api/admin/users/{me.user_id}/devices/{me.device_id}/force-logout")
    assert made.status_code == 201
    for _ in range(2):
        commands = me.call("POST", "/api/agent/heartbeat", json={"status": "idle"}).json()[
            "commands"
        ]
        assert [c["kind"] for c in commands] == ["force_logout"]
    assert me.call("POST", f"/api/agent/commands/{commands[0]['id']}/ack").status_code == 204
    assert me.call("POST", "/api/agent/heartbeat", json={"status": "idle"}).status_code == 401


def test_commands_of_other_devices_cannot_be_acknowledged(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    other: Caller = make_user()
    made = admin.call(
        "POST", f"/api/admin/users/{me.user_id}/devices/{me.device_id}/force-logout"
    ).json()
    assert other.call("POST", f"/api/agent/commands/{made['id']}/ack").status_code == 404
    assert (
        len(me.call("POST", "/api/agent/heartbeat", json={"status": "idle"}).json()["commands"])
        == 1
    )


def test_new_rules_are_announced_until_the_collector_has_them(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    assert admin.call("PUT", "/api/rules", json={"retention_days": 30}).json()["version"] == 2
    r = me.call(
        "POST", "/api/agent/heartbeat", json={"status": "working", "rules_version": 1}
    ).json()
    assert r["rules_version"] == 2
    assert [(c["kind"], c["payload"]) for c in r["commands"]] == [
        ("new_rules", {"rules_version": 2})
    ]
    r = me.call(
        "POST", "/api/agent/heartbeat", json={"status": "working", "rules_version": 2}
    ).json()
    assert r["commands"] == []


def test_a_suspended_person_is_cut_off_at_once(make_user, admin: Caller) -> None:
    me: Caller = make_user()
    assert admin.call("POST", f"/api/users/{me.user_id}/suspend").json()["status"] == "suspended"
    assert me.call("POST", "/api/agent/heartbeat", json={"status": "working"}).status_code == 401
    r = me.http.post(
        "/api/auth/login",
        json={
            "email": me.login["user"]["email"],
            "password": "correct horse battery",
            "device": {"id": "x"},
        },
    )
    assert r.json()["error"]["code"] == "account_suspended"
    assert admin.call("POST", f"/api/users/{me.user_id}/reactivate").json()["status"] == "active"


def test_the_current_app_is_not_kept_when_rules_forbid_tracking_apps(
    make_user, admin: Caller
) -> None:
    me: Caller = make_user()
    admin.call("PUT", "/api/rules", json={"tracking": {"apps": False}})
    me.call("POST", "/api/agent/heartbeat", json={"status": "working", "current_app": "firefox"})
    presence = {p["user_id"]: p for p in admin.call("GET", "/api/admin/presence").json()}
    assert presence[me.user_id]["current_app"] is None
    assert presence[me.user_id]["status"] == "working"


def test_the_heartbeat_fast_path_answers_like_the_documented_route(
    settings: Settings, company: Bootstrapped
) -> None:
    def answers(fast: bool) -> list[tuple[int, str | None, set[str]]]:
        app = create_app(settings.model_copy(update={"heartbeat_fast_path": fast}))
        with TestClient(app) as client:
            me = sign_in(client, "boss@acme.example")
            calls = [
                me.call("POST", "/api/agent/heartbeat", json={"status": "working"}),
                me.call("POST", "/api/agent/heartbeat", json={"status": "dancing"}),
                me.call("POST", "/api/agent/heartbeat", content=b"{not json"),
                client.post("/api/agent/heartbeat", json={"status": "working"}),
                client.post(
                    "/api/agent/heartbeat",
                    json={"status": "working"},
                    headers={**me.headers, "X-Device-ID": "other"},
                ),
                client.post(
                    "/api/agent/heartbeat",
                    json={"status": "working"},
                    headers={**me.headers, "Authorization": "Bearer nonsense"},
                ),
            ]
        return [
            (r.status_code, r.json().get("error", {}).get("code"), set(r.json())) for r in calls
        ]

    fast, routed = answers(True), answers(False)
    assert fast[0][0] == 200
    assert [(s, c) for s, c, _ in fast[1:]] == [(s, c) for s, c, _ in routed[1:]]
    assert fast[0][2] == routed[0][2] == {"server_time", "rules_version", "commands"}
