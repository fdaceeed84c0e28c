"""Signed-in callers for the API tests (used by conftest and the tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


@dataclass
class Caller:
    """A signed-in person on one device, calling the API through `http`."""

    http: httpx.Client | TestClient
    device_id: str
    login: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.login['access_token']}",
            "X-Device-ID": self.device_id,
        }

    @property
    def user_id(self) -> str:
        return str(self.login["user"]["id"])

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=self.headers, **kwargs)


def sign_in(
    http: httpx.Client | TestClient,
    email: str,
    password: str = PASSWORD,
    device_id: str | None = None,
) -> Caller:
    device_id = device_id or uuid.uuid4().hex
    r = http.post(
        "/api/auth/login",
        json={
            "email": email,
            "password": password,
            "device": {"id": device_id, "name": "laptop", "os": "Linux", "agent_version": "0.1"},
        },
    )
    assert r.status_code == 200, r.text
    return Caller(http, device_id, r.json())
