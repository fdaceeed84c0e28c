"""`teamtreck up` on embedded defaults and at company scale (PostgreSQL + S3)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from lakehouse import FileKeyStore, connect

pytestmark = pytest.mark.slow


def sign_in_lines(home: Path) -> dict[str, tuple[str, str]]:
    """role -> (email, password), from the file `up` writes for the person who ran it."""
    rows = [line.split() for line in (home / "sign-in.txt").read_text().splitlines()]
    return {role: (email, password) for role, email, password in rows}


def sign_in(api_url: str, email: str, password: str) -> dict[str, object]:
    response = httpx.post(
        f"{api_url}/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def yesterdays_activity(home: Path, company_id: str, **lake: str) -> int:
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    lake_url = lake.get("lake_url") or (home / "lake").as_uri()
    con = connect(
        lake_url,
        FileKeyStore(home / "keys"),
        company_id=company_id,
        **{k: v for k, v in lake.items() if k != "lake_url"},
    )
    (rows,) = con.execute(
        "SELECT count(*) FROM activity WHERE CAST(ts AS DATE) = ?", [yesterday]
    ).fetchone() or (0,)
    return int(rows)


def wait_until(check, timeout_seconds: float) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(1)


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def test_up_demo_serves_a_filled_lake_and_stops_cleanly(tmp_path: Path, run_up) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    up = run_up.start(home, "--demo", "--no-collector")
    up.wait_for_line("Ctrl-C stops everything.", timeout_seconds=120)

    assert httpx.get(f"{up.api_url}/health", timeout=10).json() == {"status": "ok"}
    assert httpx.get(f"{up.dashboard_url}/_stcore/health", timeout=10).status_code == 200
    people = sign_in_lines(home)
    admin = sign_in(up.api_url, *people["company_admin"])
    company_id = json.loads((home / "deployment.json").read_text())["company_id"]
    assert admin["user"]["company_id"] == company_id  # type: ignore[index]
    employees = httpx.get(
        f"{up.api_url}/api/users",
        headers={
            "Authorization": f"Bearer {admin['access_token']}",
            "X-Device-ID": str(admin["device_id"]),
        },
        timeout=10,
    ).json()
    assert len([u for u in employees if u["role"] == "user"]) == 10

    up.wait_for_line("demo: ", timeout_seconds=120)  # the newest day is compacted first
    assert yesterdays_activity(home, company_id) > 10_000

    assert up.interrupt() == 0
    assert not port_open(up.api_url)
    assert not port_open(up.dashboard_url)


def test_a_second_up_reuses_the_company_and_its_admin(tmp_path: Path, run_up) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    first = run_up.start(home, "--no-collector")
    first.wait_for_line("Ctrl-C stops everything.", timeout_seconds=120)
    assert "Created the company" in "".join(first.lines)
    assert first.interrupt() == 0
    deployment = (home / "deployment.json").read_text()

    second = run_up.start(home, "--no-collector")
    second.wait_for_line("Ctrl-C stops everything.", timeout_seconds=120)
    assert "Created the company" not in "".join(second.lines)
    assert (home / "deployment.json").read_text() == deployment
    sign_in(second.api_url, *sign_in_lines(home)["company_admin"])
    assert second.interrupt() == 0


@pytest.mark.postgres
@pytest.mark.s3
def test_up_at_company_scale_on_postgresql_and_s3(  # type: ignore[no-untyped-def]
    tmp_path: Path, run_up, postgres_url: str, s3_endpoint: str, s3_bucket: str
) -> None:
    home = tmp_path / "home"
    lake_url = f"s3://{s3_bucket}/lake"
    up = run_up.start(
        home,
        "--demo",
        "--no-collector",
        "--database-url",
        postgres_url,
        "--lake-url",
        lake_url,
        "--s3-endpoint-url",
        s3_endpoint,
    )
    up.wait_for_line("Ctrl-C stops everything.", timeout_seconds=120)
    admin = sign_in(up.api_url, *sign_in_lines(home)["company_admin"])
    company_id = admin["user"]["company_id"]  # type: ignore[index]

    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as conn:
        stored = conn.execute(sqlalchemy.text("SELECT id FROM companies")).scalars().all()
    engine.dispose()
    assert stored == [company_id]  # the company lives in PostgreSQL, not in a SQLite file

    up.wait_for_line("demo: ", timeout_seconds=180)
    assert not (home / "lake").exists()
    assert yesterdays_activity(home, company_id, lake_url=lake_url, endpoint_url=s3_endpoint) > 0
    assert up.interrupt() == 0  # mid-way through a demo day or a compaction: both end at once
