"""A live API server in a thread for the collector's tests, with a company, an admin and an
employee; it can be stopped and started again on the same port to fake an outage."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

PASSWORD = "correct horse battery"
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveApi:
    """The API on 127.0.0.1:<port>; `stop()` / `start()` keep the port and the database."""

    settings: Any
    company_id: str
    employee_email: str
    admin_email: str
    password: str = PASSWORD
    port: int = field(default_factory=_free_port)
    _server: Any = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import uvicorn

        from api.app import create_app

        config = uvicorn.Config(
            create_app(self.settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            assert time.monotonic() < deadline, "the API server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(timeout=15)
            self._server = None

    def admin(self) -> AdminCaller:
        return AdminCaller.sign_in(self.url, self.admin_email)


@dataclass
class AdminCaller:
    """A company admin calling the API over HTTP (force-end, force-logout, rules)."""

    http: httpx.Client
    headers: dict[str, str]

    @classmethod
    def sign_in(cls, url: str, email: str) -> AdminCaller:
        http = httpx.Client(base_url=f"{url}/api", timeout=30)
        device_id = uuid.uuid4().hex
        device = {"id": device_id, "name": "admin-browser", "os": "test", "agent_version": ""}
        answer = http.post(
            "/auth/login", json={"email": email, "password": PASSWORD, "device": device}
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        return cls(http, {"Authorization": f"Bearer {token}", "X-Device-ID": device_id})

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code < 400, response.text
        return response.json() if response.content else None


def make_live_api(home: Path, lake_url: str = "", **overrides: Any) -> LiveApi:
    from api.bootstrap import add_user, bootstrap_company
    from api.config import Settings

    settings = Settings(
        database_url=f"sqlite:///{home / 'api.sqlite3'}",
        jwt_key_file=home / "api" / "jwt.pem",
        key_store_dir=home / "keys",
        lake_url=lake_url,
        requests_per_ip_per_minute=100_000,
        requests_per_user_per_minute=100_000,
        login_per_ip_per_minute=100_000,
        **{**CHEAP_ARGON2, **overrides},
    )
    company = bootstrap_company(
        settings, name="Acme", admin_email="boss@acme.example", admin_password=PASSWORD
    )
    add_user(settings, company_id=company.company_id, email="ann@acme.example", password=PASSWORD)
    return LiveApi(settings, company.company_id, "ann@acme.example", "boss@acme.example")


@pytest.fixture
def live_api(teamtreck_home: Path) -> Iterator[LiveApi]:
    """A running API server over SQLite with the company Acme, boss@ (admin) and ann@ (user)."""
    server = make_live_api(teamtreck_home)
    server.start()
    try:
        yield server
    finally:
        server.stop()
