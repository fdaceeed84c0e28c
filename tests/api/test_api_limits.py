"""Rate limits kept in the database: per IP and per account on login, a request budget per IP
and per user, 429 with Retry-After — and shared by two app instances (as two replicas)."""

from __future__ import annotations

import sqlalchemy as sa
from callers import PASSWORD, sign_in
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings
from api.db.engine import build_engine


def _login(client: TestClient, password: str, ip_port: int = 0) -> int:
    return client.post(
        "/api/auth/login",
        json={"email": "boss@acme.example", "password": password, "device": {"id": "d1"}},
    ).status_code


def test_wrong_passwords_from_many_addresses_lock_the_account(
    settings: Settings, company: Bootstrapped
) -> None:
    locked = settings.model_copy(
        update={"login_failures_per_account": 3, "login_lockout_seconds": 600}
    )
    app = create_app(locked)
    for n in range(3):
        with TestClient(app, client=(f"198.51.100.{n}", 1000)) as client:
            assert _login(client, "wrong") == 401
    with TestClient(app, client=("198.51.100.99", 1000)) as client:
        r = client.post(
            "/api/auth/login",
            json={"email": "boss@acme.example", "password": PASSWORD, "device": {"id": "d1"}},
        )
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "account_locked"
    assert 0 < int(r.headers["Retry-After"]) <= 600


def test_login_attempts_per_address_are_limited(settings: Settings, company: Bootstrapped) -> None:
    app = create_app(settings.model_copy(update={"login_per_ip_per_minute": 2}))
    with TestClient(app, client=("198.51.100.1", 1000)) as client:
        assert [_login(client, PASSWORD) for _ in range(3)] == [200, 200, 429]
    with TestClient(app, client=("198.51.100.2", 1000)) as client:
        assert _login(client, PASSWORD) == 200


def test_the_request_budget_is_shared_between_replicas(
    settings: Settings, company: Bootstrapped
) -> None:
    sync_always = {"requests_per_user_per_minute": 4, "budget_sync_seconds": 0}
    budget = settings.model_copy(update=sync_always)
    with TestClient(create_app(budget)) as one, TestClient(create_app(budget)) as two:
        me = sign_in(one, "boss@acme.example")
        statuses = [
            (one if n % 2 else two).get("/api/me", headers=me.headers).status_code for n in range(6)
        ]
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429


def test_429_says_when_to_retry(settings: Settings, company: Bootstrapped) -> None:
    with TestClient(create_app(settings.model_copy(update={"requests_per_ip_per_minute": 1}))) as c:
        me = sign_in(c, "boss@acme.example")
        c.get("/api/me", headers=me.headers)
        r = c.get("/api/me", headers=me.headers)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.json()["error"]["details"]["retry_after_seconds"] == int(r.headers["Retry-After"])


def test_requests_far_below_their_budget_are_not_written_to_the_database(
    settings: Settings, company: Bootstrapped
) -> None:
    """A collector's heartbeats cost no counter write; a busy key is still shared."""
    quiet = {
        "budget_sync_seconds": 0,
        "requests_per_user_per_minute": 600,
        "requests_per_ip_per_minute": 8,
    }
    with TestClient(create_app(settings.model_copy(update=quiet))) as client:
        me = sign_in(client, "boss@acme.example")
        for _ in range(3):
            r = client.post("/api/agent/heartbeat", json={"status": "working"}, headers=me.headers)
            assert r.status_code == 200
    engine = build_engine(settings.database_url)
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT key FROM rate_counters")).scalars().all()
    engine.dispose()
    assert [k for k in keys if k.startswith(("user:", "ip:"))] == ["ip:testclient"]
