"""Device binding, the per-user device limit and revocation."""

from __future__ import annotations

import uuid

from callers import PASSWORD, Caller, sign_in
from fastapi.testclient import TestClient


def _login(client: TestClient, device_id: str) -> int:
    return client.post(
        "/api/auth/login",
        json={"email": "boss@acme.example", "password": PASSWORD, "device": {"id": device_id}},
    ).status_code


def test_a_fourth_device_is_refused_with_a_clear_error(client: TestClient, admin: Caller) -> None:
    assert _login(client, "second") == 200
    assert _login(client, "third") == 200
    r = client.post(
        "/api/auth/login",
        json={"email": "boss@acme.example", "password": PASSWORD, "device": {"id": "fourth"}},
    )
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "device_limit"
    assert error["details"]["limit"] == 3
    assert "Revoke" in error["message"]
    # Revoking one frees a place.
    assert admin.call("DELETE", "/api/me/devices/second").status_code == 204
    assert _login(client, "fourth") == 200


def test_the_company_limit_is_configurable(client: TestClient, admin: Caller) -> None:
    r = admin.call("PATCH", "/api/admin/company", json={"max_devices_per_user": 1})
    assert r.json()["max_devices_per_user"] == 1
    assert _login(client, "other") == 409


def test_a_revoked_device_stops_at_once_and_cannot_sign_in_again(
    client: TestClient, admin: Caller, make_user
) -> None:
    worker: Caller = make_user()
    assert worker.call("GET", "/api/me").status_code == 200
    r = admin.call("DELETE", f"/api/users/{worker.user_id}/devices/{worker.device_id}")
    assert r.status_code == 204
    assert worker.call("GET", "/api/me").json()["error"]["code"] == "token_revoked"
    r = client.post(
        "/api/auth/login",
        json={
            "email": worker.login["user"]["email"],
            "password": PASSWORD,
            "device": {"id": worker.device_id},
        },
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "device_revoked"
    listed = admin.call("GET", f"/api/users/{worker.user_id}/devices").json()
    assert listed[0]["revoked_at"] is not None


def test_people_list_only_their_own_devices(make_user) -> None:
    a: Caller = make_user()
    b: Caller = make_user()
    assert [d["id"] for d in a.call("GET", "/api/me/devices").json()] == [a.device_id]
    assert a.call("DELETE", f"/api/me/devices/{b.device_id}").status_code == 404
    assert b.call("GET", "/api/me").status_code == 200


def test_device_ids_must_be_path_safe(client: TestClient) -> None:
    r = client.post(
        "/api/auth/login",
        json={"email": "boss@acme.example", "password": PASSWORD, "device": {"id": "../etc"}},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


def test_signing_in_twice_gives_two_working_sessions_on_two_devices(client: TestClient) -> None:
    one = sign_in(client, "boss@acme.example", device_id=uuid.uuid4().hex)
    two = sign_in(client, "boss@acme.example", device_id=uuid.uuid4().hex)
    assert one.call("GET", "/api/me").status_code == 200
    assert two.call("GET", "/api/me").status_code == 200
