"""Fixtures for the API: settings over SQLite and PostgreSQL, an app, a bootstrapped company,
signed-in clients, and a live server in a thread."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from callers import PASSWORD, Caller, sign_in
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped, add_user, bootstrap_company
from api.config import Settings
from api.db.engine import build_engine
from api.db.migrate import upgrade

CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """A migrated PostgreSQL database to copy: a copy takes a fraction of migrating anew."""
    name = f"tt_tpl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = build_engine(postgres_server.rsplit("/", 1)[0] + f"/{name}")
    upgrade(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_postgres_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database with every migration applied; dropped afterwards."""
    name = f"tt_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    try:
        yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every API test runs on SQLite and on PostgreSQL (there: already migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.sqlite3'}"
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture
def settings(database_url: str, teamtreck_home: Path) -> Settings:
    return Settings(
        database_url=database_url,
        jwt_key_file=teamtreck_home / "api" / "jwt.pem",
        requests_per_ip_per_minute=100_000,
        requests_per_user_per_minute=100_000,
        login_per_ip_per_minute=100_000,
        **CHEAP_ARGON2,
    )


@pytest.fixture
def company(settings: Settings) -> Bootstrapped:
    return bootstrap_company(
        settings,
        name="Acme",
        admin_email="boss@acme.example",
        admin_password=PASSWORD,
        admin_name="Boss",
    )


@pytest.fixture
def app(settings: Settings, company: Bootstrapped) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=("203.0.113.7", 50000)) as c:
        yield c


@pytest.fixture
def admin(client: TestClient) -> Caller:
    return sign_in(client, "boss@acme.example")


@pytest.fixture
def make_user(settings: Settings, company: Bootstrapped, client: TestClient) -> Any:
    """Seed a person in the company and sign them in; returns a Caller."""

    def make(
        role: str = "user", team_ids: tuple[str, ...] = (), email: str | None = None
    ) -> Caller:
        email = email or f"{uuid.uuid4().hex[:8]}@acme.example"
        add_user(
            settings,
            company_id=company.company_id,
            email=email,
            password=PASSWORD,
            role=role,
            team_ids=team_ids,
        )  # type: ignore[arg-type]
        return sign_in(client, email)

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
