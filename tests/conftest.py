"""Fixtures every part's tests share: an S3 endpoint, PostgreSQL, an isolated deployment folder.

Part-specific fixtures (an X display, a live API server, a browser) live in the conftest of that
part's test folder.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEAMTRECK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def teamtreck_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty deployment folder, set as $TEAMTRECK_HOME for the test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TEAMTRECK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 HTTP endpoint (moto server on a free loopback port) for the whole session."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the S3 endpoint; returns its name."""
    import boto3

    name = f"tt-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the PostgreSQL server on this machine (CI always has one)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as e:
        if IN_CI:
            raise RuntimeError(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {e}") from e
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    finally:
        engine.dispose()
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import sqlalchemy

    name = f"tt_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
