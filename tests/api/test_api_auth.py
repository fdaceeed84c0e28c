"""Signing in, token rotation, reuse detection, logout, device binding through HTTP."""

from __future__ import annotations

from callers import PASSWORD, Caller, sign_in
from fastapi.testclient import TestClient


def test_login_returns_tokens_user_company_key_and_rules(admin: Caller) -> None:
    body = admin.login
    assert body["user"]["email"] == "boss@acme.example"
    assert body["user"]["role"] == "company_admin"
    assert body["company"]["public_key"].startswith("ttpk1.")
    assert body["rules"]["version"] == 1
    assert admin.call("GET", "/api/me").json()["id"] == admin.user_id


def test_wrong_password_is_refused_with_the_error_shape(client: TestClient) -> None:
    r = client.post(
        "/api/auth/login",
        json={"email": "boss@acme.example", "password": "nope", "device": {"id": "d1"}},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "wrong_credentials"
    assert "Traceback" not in r.text


def test_device_header_must_match_the_token(admin: Caller) -> None:
    r = admin.http.get("/api/me", headers={**admin.headers, "X-Device-ID": "someone-else"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "device_mismatch"


def test_refresh_rotates_and_reuse_revokes_the_family(admin: Caller) -> None:
    first = admin.login["refresh_token"]
    r = admin.http.post(
        "/api/auth/refresh", json={"refresh_token": first}, headers={"X-Device-ID": admin.device_id}
    )
    assert r.status_code == 200
    second = r.json()
    admin.login["access_token"] = second["access_token"]
    assert admin.call("GET", "/api/me").status_code == 200
    replay = admin.http.post(
        "/api/auth/refresh", json={"refresh_token": first}, headers={"X-Device-ID": admin.device_id}
    )
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "refresh_reused"
    # The whole family is gone, and the device's access token with it.
    again = admin.http.post(
        "/api/auth/refresh",
        json={"refresh_token": second["refresh_token"]},
        headers={"X-Device-ID": admin.device_id},
    )
    assert again.status_code == 401
    assert admin.call("GET", "/api/me").status_code == 401


def test_logout_stops_the_access_and_refresh_tokens(admin: Caller) -> None:
    assert admin.call("POST", "/api/auth/logout", json={}).status_code == 204
    assert admin.call("GET", "/api/me").json()["error"]["code"] == "token_revoked"
    r = admin.http.post(
        "/api/auth/refresh",
        json={"refresh_token": admin.login["refresh_token"]},
        headers={"X-Device-ID": admin.device_id},
    )
    assert r.status_code == 401


def test_signing_in_again_on_the_same_device_keeps_one_binding(
    client: TestClient, admin: Caller
) -> None:
    sign_in(client, "boss@acme.example", PASSWORD, device_id=admin.device_id)
    devices = admin.call("GET", "/api/me/devices").json()
    assert [d["id"] for d in devices] == [admin.device_id]
