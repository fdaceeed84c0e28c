"""The server as people run it: migrations on both databases, the CLI, a live uvicorn server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from callers import sign_in
from click.testing import CliRunner
from conftest import free_port

from api.bootstrap import Bootstrapped, add_user
from api.cli import api
from api.config import Settings
from api.db.engine import build_engine
from api.db.migrate import downgrade, upgrade
from api.errors import Invalid


def test_migrations_go_up_and_down_and_up(database_url: str) -> None:
    engine = build_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second start is a no-op
    assert "work_sessions" in sa.inspect(engine).get_table_names()
    downgrade(engine, "base")
    assert "work_sessions" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert "rate_counters" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_create_company_prompts_for_the_password(teamtreck_home: Path, monkeypatch) -> None:
    for key, value in {
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_PARALLELISM": "1",
    }.items():
        monkeypatch.setenv(f"TEAMTRECK_{key}", value)
    result = CliRunner().invoke(
        api,
        ["create-company", "--name", "Acme", "--admin-email", "a@acme.example"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    company_id = result.output.split("company_id: ")[1].split()[0]
    assert (teamtreck_home / "db" / "teamtreck.sqlite3").exists()
    key_dir = teamtreck_home / "keys" / company_id
    assert key_dir.is_dir()
    assert oct(key_dir.stat().st_mode & 0o777) == "0o700"
    again = CliRunner().invoke(
        api,
        [
            "create-company",
            "--name",
            "B",
            "--admin-email",
            "a@acme.example",
            "--admin-password",
            "a long password",
        ],
    )
    assert again.exit_code != 0
    assert "already has an account" in again.output


def test_live_server_serves_a_collector_over_http(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as http:
        me = sign_in(http, "boss@acme.example", device_id=uuid.uuid4().hex)
        r = me.call("POST", "/api/agent/heartbeat", json={"status": "working"})
        assert r.status_code == 200
        assert r.json()["commands"] == []
        assert http.get("/health").json() == {"status": "ok"}


def test_teamtreck_api_help_runs_from_the_launcher() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "teamtreck", "api", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=True,
    ).stdout
    assert "create-company" in out
    assert "--workers" in out


def test_settings_read_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("TEAMTRECK_DATABASE_URL", "postgresql://db/x")
    monkeypatch.setenv("TEAMTRECK_CORS_ORIGINS", '["https://a.example"]')
    s = Settings()
    assert s.resolved_database_url() == "postgresql://db/x"
    assert s.cors_origins == ["https://a.example"]


@pytest.mark.slow
def test_teamtreck_api_serves_until_stopped(teamtreck_home: Path) -> None:
    port = free_port()
    env = {**os.environ, "TEAMTRECK_HOME": str(teamtreck_home)}
    server = subprocess.Popen(
        [sys.executable, "-m", "teamtreck", "api", "--port", str(port)], env=env
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "teamtreck api did not start"
                time.sleep(0.2)
        assert (teamtreck_home / "db" / "teamtreck.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_a_held_database_lock_does_not_stall_the_server(
    live_server: str, settings: Settings
) -> None:
    """A heartbeat waiting for SQLite's write lock waits in a thread, not on the event loop."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no database-wide write lock")
    engine = build_engine(settings.database_url)
    with httpx.Client(base_url=live_server) as http, ThreadPoolExecutor(1) as pool:
        me = sign_in(http, "boss@acme.example")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE companies SET name = name"))  # takes the write lock
            beat = pool.submit(me.call, "POST", "/api/agent/heartbeat", json={"status": "working"})
            time.sleep(0.3)
            assert httpx.get(f"{live_server}/health", timeout=2).status_code == 200
            assert not beat.done()
        assert beat.result(timeout=10).status_code == 200
    engine.dispose()


def test_a_rotated_company_key_reaches_collectors(settings: Settings, company, client) -> None:
    from api.bootstrap import sync_company_key
    from lakehouse.keys import FileKeyStore

    rotated = FileKeyStore(settings.resolved_key_store_dir()).rotate(company.company_id)
    assert sync_company_key(settings, company.company_id) == rotated.key_id
    me = sign_in(client, "boss@acme.example")
    assert me.login["company"]["public_key"] == rotated.to_text()
    grant = me.call("POST", "/api/agent/storage-grant").json()
    assert grant["key_id"] == rotated.key_id


def test_the_public_surface_is_sorted_and_importable() -> None:
    import api

    assert api.__all__ == sorted(api.__all__)
    for name in api.__all__:
        assert getattr(api, name) is not None


def test_create_company_refuses_an_email_login_would_refuse(teamtreck_home: Path) -> None:
    result = CliRunner().invoke(
        api,
        ["create-company", "--name", "Acme", "--admin-email", "boss at acme.example"],
        input="a long password\na long password\n",
    )
    assert result.exit_code != 0
    assert "'boss at acme.example' is not a valid email address" in result.output
    assert "must have an @-sign" in result.output
    assert not (teamtreck_home / "keys").exists()  # nothing was created


def test_people_are_added_with_the_address_login_expects(
    settings: Settings, company: Bootstrapped, client
) -> None:
    with pytest.raises(Invalid, match="is not a valid email address"):
        add_user(settings, company_id=company.company_id, email="ann@acme", password="x" * 12)
    add_user(settings, company_id=company.company_id, email="Ann@Acme.example", password="x" * 12)
    assert sign_in(client, "ann@acme.example", password="x" * 12).user_id
