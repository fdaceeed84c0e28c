"""The servers a fleet load runs against, each in its own process, and what they cost.

- an S3 endpoint: moto's server (`python -m moto.server`, the same WSGI app as
  `ThreadedMotoServer`) serving S3 and STS on one port;
- our API: `teamtreck api` with the lake on that bucket and STS grants from that endpoint,
  SQLite by default or any PostgreSQL URL;
- `ProcessMeter`: CPU % and RSS of a process and its children over a run (psutil).

The company is made with `api.bootstrap.bootstrap_company` (so its private key lands in the key
store compaction reads later) and its people are inserted in one statement: inviting 10,000
people through the API would cost two password hashes each.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import psutil
from fleet import PASSWORD, fresh_postgres_database, person_email, server_env, wait_until_up
from peer_activitywatch import free_port

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/teamtreck-collector"
ADMIN_PASSWORD = "bench-admin-password-0"
START_TIMEOUT_SECONDS = 60.0
ADMIN_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    port: int
    pid: int
    bucket: str

    def client(self) -> object:
        """A boto3 S3 client with the endpoint's own (administrator) credentials."""
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ADMIN_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=ADMIN_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


@dataclass(frozen=True)
class ApiServer:
    port: int
    pid: int
    company_id: str
    home: Path
    lake_url: str
    log: Path


@contextlib.contextmanager
def stopping(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Terminate `process` (then kill it if it lingers) when the block ends."""
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def moto_endpoint(bucket: str = "teamtreck-lake") -> Iterator[S3Endpoint]:
    """moto's S3 + STS server on a free port, with an empty bucket."""
    port = free_port()
    env = {**os.environ, **ADMIN_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    with stopping(process):
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start on port {port}") from None
                time.sleep(0.2)
        endpoint = S3Endpoint(url, port, process.pid, bucket)
        endpoint.client().create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        yield endpoint


def api_env(home: Path, database_url: str, s3: S3Endpoint) -> dict[str, str]:
    """fleet.py's cheap-hash, huge-budget server settings, plus the lake on the S3 endpoint."""
    env = server_env(home, database_url)
    env.update(ADMIN_CREDENTIALS)
    env.update(
        TEAMTRECK_LAKE_URL=f"s3://{s3.bucket}/lake",
        TEAMTRECK_S3_ENDPOINT_URL=s3.url,
        TEAMTRECK_S3_REGION=REGION,
        TEAMTRECK_STS_ROLE_ARN=ROLE_ARN,
        TEAMTRECK_ACCESS_TOKEN_SECONDS="7200",  # the run must not need token refreshes
        TEAMTRECK_KEY_STORE_DIR=str(home / "keys"),
        AWS_DEFAULT_REGION=REGION,
    )
    return env


def seed_company(env: dict[str, str], people: int) -> str:
    """The company (key pair in the key store) and `people` active users; returns its id."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert

    from api.bootstrap import bootstrap_company
    from api.companies import new_id, now_utc
    from api.config import Settings
    from api.db.engine import build_engine
    from api.db.tables import users

    settings = Settings(
        database_url=env["TEAMTRECK_DATABASE_URL"],
        key_store_dir=Path(env["TEAMTRECK_KEY_STORE_DIR"]),
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
    )
    made = bootstrap_company(
        settings, name="Fleet", admin_email="admin@fleet.example", admin_password=ADMIN_PASSWORD
    )
    password_hash = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PASSWORD)
    rows = [
        {
            "id": new_id(),
            "company_id": made.company_id,
            "email": person_email(i),
            "name": f"p{i}",
            "role": "user",
            "status": "active",
            "password_hash": password_hash,
            "created_at": now_utc(),
        }
        for i in range(people)
    ]
    engine = build_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            conn.execute(insert(users), rows)
    finally:
        engine.dispose()
    return made.company_id


@contextlib.contextmanager
def api_server(
    home: Path, s3: S3Endpoint, people: int, database_url: str | None
) -> Iterator[ApiServer]:
    """`teamtreck api` in its own process over a seeded company; a fresh PostgreSQL database
    when `database_url` is "postgres", SQLite under `home` when it is None."""
    with contextlib.ExitStack() as stack:
        if database_url == "postgres":
            database_url = stack.enter_context(fresh_postgres_database())
        url = database_url or f"sqlite:///{home}/teamtreck.sqlite3"
        env = api_env(home, url, s3)
        company_id = seed_company(env, people)
        port = free_port()
        teamtreck = Path(sys.executable).with_name("teamtreck")
        command = [str(teamtreck), "api", "--host", "127.0.0.1", "--port", str(port)]
        log_path = Path(tempfile.gettempdir()) / f"teamtreck-load-api-{port}.log"
        log = stack.enter_context(log_path.open("wb"))
        process = stack.enter_context(
            stopping(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        )
        wait_until_up(port, process)
        yield ApiServer(port, process.pid, company_id, home, env["TEAMTRECK_LAKE_URL"], log_path)


@dataclass
class Usage:
    """CPU and memory of one process tree over a measured interval."""

    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    rss_end_bytes: int = 0
    rss_peak_bytes: int = 0

    @property
    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0


def tree_cpu_and_rss(pid: int) -> tuple[float, int]:
    """User + system CPU seconds and RSS bytes of a process and its children."""
    root = psutil.Process(pid)
    cpu, rss = 0.0, 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            cpu += times.user + times.system
            rss += process.memory_info().rss
    return cpu, rss


@dataclass
class ProcessMeter:
    """Samples a process tree's RSS every second in a thread; CPU from cpu_times deltas."""

    pid: int
    usage: Usage = field(default_factory=Usage)
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextlib.contextmanager
    def measuring(self) -> Iterator[Usage]:
        cpu_before, _ = tree_cpu_and_rss(self.pid)
        started = time.perf_counter()
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()
        try:
            yield self.usage
        finally:
            self._stop.set()
            thread.join()
            cpu_after, rss = tree_cpu_and_rss(self.pid)
            self.usage.cpu_seconds = cpu_after - cpu_before
            self.usage.wall_seconds = time.perf_counter() - started
            self.usage.rss_end_bytes = rss
            self.usage.rss_peak_bytes = max(self.usage.rss_peak_bytes, rss)

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(psutil.NoSuchProcess):
                _, rss = tree_cpu_and_rss(self.pid)
                self.usage.rss_peak_bytes = max(self.usage.rss_peak_bytes, rss)
