"""Signing in, token rotation, reuse detection, logout, device binding through HTTP."""

from __future__ import annotations

from callers import PASSWORD, Caller, sign_in
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings


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


def test_access_tokens_carry_the_agreed_claims(admin: Caller) -> None:
    import jwt

    claims = jwt.decode(admin.login["access_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(admin.login["access_token"])["alg"] == "EdDSA"
    assert claims["sub"] == admin.user_id
    assert claims["company"] == admin.login["company"]["id"]
    assert claims["role"] == "company_admin"
    assert claims["device"] == admin.device_id
    assert claims["iss"] == "teamtreck"
    assert claims["aud"] == "teamtreck-api"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


def test_forged_and_expired_tokens_are_refused(admin: Caller, settings: Settings) -> None:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.security import load_or_create_signing_key

    claims = jwt.decode(admin.login["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    key = load_or_create_signing_key(settings.resolved_jwt_key_file())
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, key, algorithm="EdDSA")
    none_alg = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    for token, code in (
        (forged, "unauthorized"),
        (expired, "token_expired"),
        (none_alg, "unauthorized"),
    ):
        r = admin.http.get(
            "/api/me", headers={"Authorization": f"Bearer {token}", "X-Device-ID": admin.device_id}
        )
        assert r.status_code == 401
        assert r.json()["error"]["code"] == code


def test_replicas_share_refresh_state(settings: Settings, company: Bootstrapped) -> None:
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        me = sign_in(one, "boss@acme.example")
        body = {"refresh_token": me.login["refresh_token"]}
        headers = {"X-Device-ID": me.device_id}
        assert two.post("/api/auth/refresh", json=body, headers=headers).status_code == 200
        replay = one.post("/api/auth/refresh", json=body, headers=headers)
        assert replay.json()["error"]["code"] == "refresh_reused"
        assert two.get("/api/me", headers=me.headers).status_code == 401


def test_a_web_sign_in_uses_no_device_slot(client: TestClient, settings: Settings) -> None:
    for _ in range(4):  # more than the limit of 3 devices
        r = client.post(
            "/api/auth/login", json={"email": "boss@acme.example", "password": PASSWORD}
        )
        assert r.status_code == 200
    web = r.json()
    assert web["device_id"].startswith("web-")
    headers = {"Authorization": f"Bearer {web['access_token']}", "X-Device-ID": web["device_id"]}
    assert client.get("/api/me", headers=headers).status_code == 200
    for device in ("one", "two", "three"):
        r = client.post(
            "/api/auth/login",
            json={"email": "boss@acme.example", "password": PASSWORD, "device": {"id": device}},
        )
        assert r.status_code == 200
    presence = client.get("/api/admin/presence", headers=headers).json()
    assert {p["device_id"] for p in presence} == {"one", "two", "three"}
