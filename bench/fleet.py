"""Our API in its own uvicorn process, with a company of N signed-in collectors ready to heartbeat.

The company and its people are written to the database directly (inviting through the API would
cost two password hashes per person); each person then logs in once through the API from their
own device, and those access tokens drive the heartbeats.
Password hashing is made cheap for the setup only (it is not on the heartbeat path), and the
request budgets are set high rather than off, so their database cost is still measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy
from loadgen import Request, Response, Target, send_all
from peer_activitywatch import free_port

POSTGRES_ADMIN_URL = os.environ.get(
    "TEAMTRECK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench-password-0"  # a throwaway account in a throwaway database
SETUP_CONCURRENCY = 8
START_TIMEOUT_SECONDS = 60.0
HUGE_BUDGET = 1_000_000_000
HEARTBEAT_PATH = "/api/agent/heartbeat"


def postgres_reachable() -> bool:
    engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            return True
    except sqlalchemy.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the local PostgreSQL server, dropped afterwards."""
    name = f"ttbench_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_env(home: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TEAMTRECK_HOME=str(home),
        TEAMTRECK_DATABASE_URL=database_url,
        TEAMTRECK_ARGON2_TIME_COST="1",
        TEAMTRECK_ARGON2_MEMORY_KIB="64",
        TEAMTRECK_ARGON2_PARALLELISM="1",
        TEAMTRECK_LOGIN_PER_IP_PER_MINUTE="0",
        TEAMTRECK_REQUESTS_PER_IP_PER_MINUTE=str(HUGE_BUDGET),
        TEAMTRECK_REQUESTS_PER_USER_PER_MINUTE=str(HUGE_BUDGET),
        TEAMTRECK_PASSWORD_HASH_CONCURRENCY="4",
    )
    return env


@contextlib.contextmanager
def uvicorn_process(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[int, int]]:
    """`uvicorn --factory api.app:app_from_env` on a free port; yields (port, pid).

    The server's output goes to `log`; its last lines are shown if anything fails.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--no-access-log", "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_up(port, process)
        yield port, process.pid
    except BaseException:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print("the API server's last log lines:", *tail, sep="\n  ", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with code {process.returncode} while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the API did not answer on port {port} within {START_TIMEOUT_SECONDS}s")


def person_email(index: int) -> str:
    return f"person{index:05d}@bench.example"


def device_info(index: int) -> dict[str, str]:
    return {
        "id": f"bench-device-{index:05d}",
        "name": f"laptop-{index}",
        "os": "Linux",
        "agent_version": "0.1.0",
    }


def login_request(email: str, device: dict[str, str]) -> Request:
    return Request.json(
        "POST", "/api/auth/login", {"email": email, "password": PASSWORD, "device": device}
    )


def expect(responses: list[Response], status: int, what: str) -> list[dict[str, object]]:
    bad = [r for r in responses if r.status != status]
    if bad:
        raise RuntimeError(f"{what}: {len(bad)} answered {bad[0].status}: {bad[0].body[:300]!r}")
    return [r.json() for r in responses]


async def sign_in_fleet(port: int, devices: int) -> list[tuple[str, str]]:
    """Log `devices` people in once, each from their own device; returns (token, device id)."""
    logins = [login_request(person_email(i), device_info(i)) for i in range(devices)]
    signed_in = expect(await send_all("127.0.0.1", port, logins, SETUP_CONCURRENCY), 200, "login")
    return [(str(s["access_token"]), device_info(i)["id"]) for i, s in enumerate(signed_in)]


def heartbeats(fleet: list[tuple[str, str]]) -> Iterator[Request]:
    """Round-robin heartbeats, each with its own device's token, header and body."""
    apps = itertools.cycle(["firefox", "code", "slack", "libreoffice"])
    requests = []
    for token, device_id in fleet:
        body = {
            "status": "working",
            "queue_sizes": {"activity": 0, "screenshots": 1},
            "agent_version": "0.1.0",
            "current_app": next(apps),
        }
        device_header = (("X-Device-ID", device_id),)
        requests.append(Request.json("POST", HEARTBEAT_PATH, body, token, device_header))
    return itertools.cycle(requests)


@contextlib.contextmanager
def our_api(database: str, devices: int, workers: int) -> Iterator[Target]:
    """Our API on "sqlite" or "postgres", with `devices` collectors signed in."""
    with tempfile.TemporaryDirectory(prefix="tt-bench-") as home, contextlib.ExitStack() as stack:
        if database == "postgres":
            url = stack.enter_context(fresh_postgres_database())
        else:
            url = f"sqlite:///{home}/teamtreck.sqlite3"
        env = server_env(Path(home), url)
        seed_company(Path(home), url, devices)
        log = Path(home) / "server.log"
        port, pid = stack.enter_context(uvicorn_process(env, workers, log))
        fleet = asyncio.run(sign_in_fleet(port, devices))
        if database == "postgres":
            analyze(url)
        yield Target(f"teamtreck/{database}", port, pid, heartbeats(fleet), log)


def analyze(database_url: str) -> None:
    """Table statistics, as autovacuum gathers them a minute or two after a bulk load: the
    benchmark measures the steady state, not a planner that believes `devices` is empty."""
    engine = sqlalchemy.create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("ANALYZE"))
    finally:
        engine.dispose()


def seed_company(home: Path, database_url: str, people: int) -> None:
    """The company (api.bootstrap) and `people` active users with passwords, in one insert."""
    from argon2 import PasswordHasher

    from api.bootstrap import bootstrap_company
    from api.companies import new_id, now_utc
    from api.config import Settings
    from api.db.engine import build_engine
    from api.db.tables import users

    settings = Settings(database_url=database_url, key_store_dir=home / "keys")
    company = bootstrap_company(
        settings, name="Bench", admin_email="admin@bench.example", admin_password=PASSWORD
    )
    password_hash = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
    rows = [
        {
            "id": new_id(),
            "company_id": company.company_id,
            "email": person_email(i),
            "name": f"person {i}",
            "role": "user",
            "status": "active",
            "password_hash": password_hash,
            "created_at": now_utc(),
        }
        for i in range(people)
    ]
    engine = build_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(users.insert(), rows)
    finally:
        engine.dispose()
