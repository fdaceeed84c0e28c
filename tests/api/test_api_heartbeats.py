"""Heartbeats that arrive together are recorded together, and each still gets its own answer."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from callers import Caller

from api.config import Settings
from api.db.engine import build_engine

BATCH_LOG = re.compile(r"recorded (\d+) heartbeats in one transaction")


def held_presence_lock(conn: sa.Connection) -> None:
    """Keep heartbeats from being written until `conn`'s transaction ends, so they queue up."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE devices IN EXCLUSIVE MODE"))  # reads still go on
    else:
        conn.execute(sa.text("UPDATE companies SET name = name"))  # SQLite's write lock


async def send_together(
    base_url: str, beats: list[tuple[Caller, dict[str, Any]]], settings: Settings
) -> list[httpx.Response]:
    """Send every heartbeat at once while the database holds them back, then let them through.

    The first goes ahead alone: its write waits for the lock, so the others gather behind it.
    """
    engine = build_engine(settings.database_url)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            with engine.begin() as conn:
                held_presence_lock(conn)
                calls = []
                for n, (caller, body) in enumerate(beats):
                    call = http.post("/api/agent/heartbeat", json=body, headers=caller.headers)
                    calls.append(asyncio.create_task(call))
                    # Not assertions: the longer these are, the more heartbeats gather.
                    await asyncio.sleep(0.2 if n == 0 else 0)
                await asyncio.sleep(0.5)
            return list(await asyncio.gather(*calls))
    finally:
        engine.dispose()


def test_many_heartbeats_at_once_each_get_their_own_answer(
    live_server: str,
    settings: Settings,
    make_user: Any,
    admin: Caller,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people: list[Caller] = [make_user() for _ in range(24)]
    revoked, suspended, twice = people[0], people[1], people[2]
    commanded = people[3::5]
    made = {
        p.device_id: admin.call(
            "POST", f"/api/admin/users/{p.user_id}/devices/{p.device_id}/force-logout"
        ).json()["id"]
        for p in commanded
    }
    gone = admin.call("DELETE", f"/api/users/{revoked.user_id}/devices/{revoked.device_id}")
    assert gone.status_code == 204
    engine = build_engine(settings.database_url)
    with engine.begin() as conn:  # suspended while the token still matches its device row
        conn.execute(
            sa.text("UPDATE users SET status = 'suspended' WHERE id = :u"), {"u": suspended.user_id}
        )
    engine.dispose()

    def beat(n: int) -> dict[str, Any]:
        status = "working" if n % 2 else "idle"
        return {
            "status": status,
            "session_id": f"s{n}",
            "current_app": f"app-{n}",
            "queue_sizes": {"activity": n},
            "agent_version": "0.9",
        }

    beats = [(p, beat(n)) for n, p in enumerate(people)] + [(twice, beat(2))]
    caplog.set_level(logging.DEBUG, logger="api.heartbeats")
    answers = asyncio.run(send_together(live_server, beats, settings))

    batch_sizes = [int(m[1]) for r in caplog.records if (m := BATCH_LOG.fullmatch(r.getMessage()))]
    assert max(batch_sizes) > 1, batch_sizes
    by_device: dict[str, list[httpx.Response]] = {}
    for (caller, _), answer in zip(beats, answers, strict=True):
        by_device.setdefault(caller.device_id, []).append(answer)
    for person in people:
        for answer in by_device[person.device_id]:
            if person is revoked:
                assert (answer.status_code, answer.json()["error"]["code"]) == (
                    401,
                    "token_revoked",
                )
            elif person is suspended:
                assert answer.status_code == 403
                assert answer.json()["error"]["code"] == "account_suspended"
            else:
                assert answer.status_code == 200, answer.text
                commands = [(c["id"], c["kind"]) for c in answer.json()["commands"]]
                mine = made.get(person.device_id)
                assert commands == ([(mine, "force_logout")] if mine else [])
    assert [a.status_code for a in by_device[twice.device_id]] == [200, 200]

    presence = {p["device_id"]: p for p in admin.call("GET", "/api/admin/presence").json()}
    assert revoked.device_id not in presence
    for n, person in enumerate(people[1:], start=1):
        seen = presence[person.device_id]
        if person is suspended:
            continue
        expected = beat(n)
        assert seen["online"] is True
        assert (seen["status"], seen["session_id"], seen["current_app"]) == (
            expected["status"],
            expected["session_id"],
            expected["current_app"],
        )


def refuse_app_named_explode(conn: sa.Connection) -> None:
    """A database fault for one heartbeat: writing current_app 'explode' fails."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "CREATE FUNCTION refuse_explode() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.current_app = 'explode' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER refuse_explode BEFORE UPDATE ON devices "
                "FOR EACH ROW EXECUTE FUNCTION refuse_explode()"
            )
        )
    else:
        conn.execute(
            sa.text(
                "CREATE TRIGGER refuse_explode BEFORE UPDATE ON devices "
                "WHEN NEW.current_app = 'explode' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )


def test_a_heartbeat_the_database_refuses_fails_alone(
    live_server: str,
    settings: Settings,
    make_user: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people: list[Caller] = [make_user() for _ in range(6)]
    engine = build_engine(settings.database_url)
    with engine.begin() as conn:
        refuse_app_named_explode(conn)
    engine.dispose()
    apps = ["explode" if n == 2 else f"app-{n}" for n in range(len(people))]
    beats = [
        (p, {"status": "working", "current_app": a}) for p, a in zip(people, apps, strict=True)
    ]
    caplog.set_level(logging.DEBUG, logger="api.heartbeats")
    answers = asyncio.run(send_together(live_server, beats, settings))
    assert [a.status_code for a in answers] == [200, 200, 500, 200, 200, 200]
    assert any("recording each alone" in r.getMessage() for r in caplog.records)
