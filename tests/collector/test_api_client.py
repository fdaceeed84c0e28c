"""The collector's API client against a live server: sign-in, refresh before expiry, offline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from collector.api_client import ApiClient, ApiOffline, ApiRejected, SignedOut
from collector.credentials import FileTokenStore

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)


def _client(live_api: LiveApi, tmp_path: Path, **kwargs: object) -> ApiClient:
    return ApiClient(live_api.url, FileTokenStore(tmp_path / "creds"), **kwargs)  # type: ignore[arg-type]


def test_sign_in_keeps_tokens_and_calls_routes(live_api: LiveApi, tmp_path: Path) -> None:
    client = _client(live_api, tmp_path)
    device_id = uuid.uuid4().hex
    answer = client.login(live_api.employee_email, live_api.password, device_id, "0.1")
    assert answer["company"]["public_key"].startswith("ttpk1.")
    tokens = client.signed_in()
    assert tokens is not None
    assert (tokens.company_id, tokens.device_id) == (live_api.company_id, device_id)
    assert client.online is True
    now = datetime.now(UTC)
    started = client.start_session("s1", "e1", now)
    assert started["state"] == "active"
    paused = client.change_session("s1", "pause", "e2", now + timedelta(seconds=5))
    assert paused["state"] == "paused"
    again = client.change_session("s1", "pause", "e2", now + timedelta(seconds=5))  # a replay
    assert again["state"] == "paused"
    with pytest.raises(ApiRejected) as rejected:
        client.change_session("s1", "pause", "e3", now + timedelta(seconds=6))
    assert rejected.value.status == 409
    assert client.current_session()["id"] == "s1"  # type: ignore[index]
    assert client.heartbeat({"status": "paused", "session_id": "s1"})["commands"] == []
    assert client.rules()["version"] >= 1
    client.logout()
    assert client.signed_in() is None
    with pytest.raises(SignedOut, match="Sign in"):
        client.rules()


def test_wrong_password_is_refused(live_api: LiveApi, tmp_path: Path) -> None:
    client = _client(live_api, tmp_path)
    with pytest.raises(ApiRejected, match="Wrong email or password"):
        client.login(live_api.employee_email, "nope", uuid.uuid4().hex, "0.1")
    assert client.signed_in() is None


def test_token_is_refreshed_before_it_expires(live_api: LiveApi, tmp_path: Path) -> None:
    shift = timedelta(0)
    client = _client(live_api, tmp_path, clock=lambda: datetime.now(UTC) + shift)
    client.login(live_api.employee_email, live_api.password, uuid.uuid4().hex, "0.1")
    first = client.signed_in()
    assert first is not None
    client.rules()
    assert client.signed_in() == first  # far from expiry: no refresh
    shift = timedelta(seconds=live_api.settings.access_token_seconds - 30)
    client.rules()
    second = client.signed_in()
    assert second is not None
    assert second.refresh_token != first.refresh_token
    assert second.access_expires_at > first.access_expires_at


def test_offline_is_detected_and_recovers(live_api: LiveApi, tmp_path: Path) -> None:
    changes: list[bool] = []
    client = _client(live_api, tmp_path, on_online_change=changes.append, timeout_seconds=2)
    client.login(live_api.employee_email, live_api.password, uuid.uuid4().hex, "0.1")
    live_api.stop()
    with pytest.raises(ApiOffline, match="unreachable"):
        client.rules()
    assert client.online is False
    live_api.start()
    client.rules()
    assert changes == [True, False, True]


def test_revoked_device_is_signed_out(live_api: LiveApi, tmp_path: Path) -> None:
    client = _client(live_api, tmp_path)
    device_id = uuid.uuid4().hex
    answer = client.login(live_api.employee_email, live_api.password, device_id, "0.1")
    admin = live_api.admin()
    admin.call("DELETE", f"/users/{answer['user']['id']}/devices/{device_id}")
    with pytest.raises(SignedOut):
        client.rules()
    assert client.signed_in() is None  # wiped: nothing usable stays on disk


def test_an_access_token_the_server_calls_expired_is_refreshed_once(
    live_api: LiveApi, tmp_path: Path
) -> None:
    """The device's clock ran slow: it thinks the token is fresh, the server says expired."""
    import dataclasses
    import time

    import jwt

    from api.security import load_or_create_signing_key

    client = _client(live_api, tmp_path)
    client.login(live_api.employee_email, live_api.password, uuid.uuid4().hex, "0.1")
    tokens = client.signed_in()
    assert tokens is not None
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    key = load_or_create_signing_key(live_api.settings.resolved_jwt_key_file())
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, key, algorithm="EdDSA")
    client.store.save(dataclasses.replace(tokens, access_token=expired))
    assert client.rules()["version"] >= 1  # refreshed and retried, not signed out
    fresh = client.signed_in()
    assert fresh is not None
    assert fresh.access_token not in (expired, tokens.access_token)
    assert fresh.refresh_token != tokens.refresh_token
