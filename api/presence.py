"""Recording heartbeats: presence in, account status, rules version and commands out.

Heartbeats are recorded in batches (`api.heartbeats` gathers them); a batch of one is the
same code. Each heartbeat updates its device row, and that UPDATE's WHERE is also the
revocation check: a device row that does not match (revoked, signed out, other generation)
means 401 for that heartbeat alone.

- PostgreSQL: the whole batch is ONE statement (arrays unnested into rows, a data-modifying
  CTE, joined to users, companies and pending commands) in autocommit mode: one round trip
  and one commit per batch. Presence is ephemeral, so that statement turns
  `synchronous_commit` off for its own transaction: the commit does not wait for the WAL
  flush; a database crash can lose the last fraction of a second of "last seen", nothing
  else (no other table is written). See docs/operations.md.
- SQLite: one transaction with the UPDATE executed for many rows at once and two SELECTs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, case, func, select, tuple_, update

from api.companies import now_utc
from api.db.tables import commands, companies, devices, users
from api.errors import Forbidden, Unauthorized
from api.models.agent import Command, Heartbeat, HeartbeatResponse
from api.security import Claims

if TYPE_CHECKING:
    from api.services import Services


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat to record: who sent it, what it says, when it arrived."""

    claims: Claims
    body: Heartbeat
    now: dt.datetime


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the database said back for one heartbeat whose device row matched."""

    user_status: str
    rules_version: int
    commands: list[Command]


def record_heartbeats(engine: Engine, beats: list[Beat]) -> list[Recorded | None]:
    """Store the presence of every beat (at most one per device); None where the device row
    did not match. One transaction for all of them."""
    if engine.dialect.name == "postgresql":
        return _record_on_postgresql(engine, beats)
    return _record_on_sqlite(engine, beats)


async def answer_heartbeat(svc: Services, claims: Claims, body: Heartbeat) -> HeartbeatResponse:
    """Record the heartbeat (with whatever arrives beside it) and say what the collector must do."""
    now = now_utc()
    seen = await svc.heartbeats.record(Beat(claims, body, now))
    if seen is None:
        raise Unauthorized(
            "This session was signed out or the device revoked; log in again.",
            code="token_revoked",
        )
    if seen.user_status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    pending = list(seen.commands)
    if body.rules_version is not None and body.rules_version < seen.rules_version:
        payload = {"rules_version": seen.rules_version}
        pending.append(Command(id=0, kind="new_rules", payload=payload, created_at=now))
    return HeartbeatResponse(server_time=now, rules_version=seen.rules_version, commands=pending)


# PostgreSQL: one statement per batch. Rows are sorted by (user, device) before they are sent,
# so concurrent batches of several API processes lock device rows in the same order.
# `set_config(..., true)` is `SET LOCAL synchronous_commit = off` inside the statement itself:
# autocommit makes the statement its own transaction, so the setting ends with it.
_POSTGRES_BATCH = """
WITH beat AS (
    SELECT * FROM unnest(
        %(i)s::int[], %(u)s::text[], %(d)s::text[], %(c)s::text[], %(g)s::int[],
        %(seen)s::timestamptz[], %(status)s::text[], %(session)s::text[], %(app)s::text[],
        %(queues)s::text[], %(version)s::text[]
    ) AS b(i, user_id, device_id, company_id, generation,
           seen_at, status, session_id, current_app, queue_sizes, agent_version)
), touched AS (
    UPDATE devices SET
        last_seen_at = beat.seen_at,
        status = beat.status,
        session_id = beat.session_id,
        current_app = CASE WHEN co.share_current_app THEN beat.current_app END,
        queue_sizes = beat.queue_sizes::json,
        agent_version = coalesce(beat.agent_version, devices.agent_version)
    FROM beat JOIN companies co ON co.id = beat.company_id
    WHERE devices.user_id = ANY(%(u)s::text[])  -- an index condition, whatever the join order
      AND devices.user_id = beat.user_id
      AND devices.id = beat.device_id
      AND devices.company_id = beat.company_id
      AND devices.revoked_at IS NULL
      AND devices.token_generation = beat.generation
      AND set_config('synchronous_commit', 'off', true) = 'off'
    RETURNING beat.i, devices.user_id, devices.id AS device_id
)
SELECT t.i, u.status, co.rules_version, cm.id, cm.kind, cm.payload, cm.created_at
FROM touched t
JOIN users u ON u.id = t.user_id
JOIN companies co ON co.id = u.company_id
LEFT JOIN commands cm
    ON cm.user_id = t.user_id AND cm.device_id = t.device_id AND cm.acked_at IS NULL
ORDER BY t.i, cm.id
"""


def _record_on_postgresql(engine: Engine, beats: list[Beat]) -> list[Recorded | None]:
    order = sorted(
        range(len(beats)), key=lambda i: (beats[i].claims.user_id, beats[i].claims.device_id)
    )
    columns: dict[str, list[Any]] = defaultdict(list)
    for i in order:
        claims, body = beats[i].claims, beats[i].body
        columns["i"].append(i)
        columns["u"].append(claims.user_id)
        columns["d"].append(claims.device_id)
        columns["c"].append(claims.company_id)
        columns["g"].append(claims.generation)
        columns["seen"].append(beats[i].now)
        columns["status"].append(body.status)
        columns["session"].append(body.session_id)
        columns["app"].append(body.current_app)
        columns["queues"].append(json.dumps(body.queue_sizes))
        columns["version"].append(body.agent_version or None)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        driver = conn.connection.driver_connection
        assert driver is not None
        # Planned anew each time (not prepared): a plan made for one batch size can be a
        # disaster for another, and the array contents let the planner size the join.
        rows = driver.execute(_POSTGRES_BATCH, dict(columns), prepare=False).fetchall()
    found: dict[int, Recorded] = {}
    for i, status, rules_version, command_id, kind, payload, created_at in rows:
        seen = found.setdefault(i, Recorded(status, rules_version, []))
        if command_id is not None:
            at = created_at.astimezone(dt.UTC)
            seen.commands.append(Command(id=command_id, kind=kind, payload=payload, created_at=at))
    return [found.get(i) for i in range(len(beats))]


# SQLite: the same UPDATE for every beat of the batch, in one transaction.
_SHARES_APP = (
    select(companies.c.share_current_app).where(companies.c.id == bindparam("c")).scalar_subquery()
)
_TOUCH = (
    update(devices)
    .where(
        devices.c.user_id == bindparam("u"),
        devices.c.id == bindparam("d"),
        devices.c.company_id == bindparam("c"),
        devices.c.revoked_at.is_(None),
        devices.c.token_generation == bindparam("g"),
    )
    .values(
        last_seen_at=bindparam("last_seen_at", type_=devices.c.last_seen_at.type),
        status=bindparam("status"),
        session_id=bindparam("session_id"),
        current_app=case(
            (_SHARES_APP, bindparam("current_app", type_=devices.c.current_app.type)),
            else_=None,
        ),
        queue_sizes=bindparam("queue_sizes", type_=devices.c.queue_sizes.type),
        agent_version=func.coalesce(bindparam("agent_version"), devices.c.agent_version),
    )
)
_ACCOUNTS = (
    select(users.c.id, users.c.status, companies.c.rules_version)
    .join(companies, companies.c.id == users.c.company_id)
    .where(users.c.id.in_(bindparam("user_ids", expanding=True)))
)
_PENDING = (
    select(
        commands.c.user_id,
        commands.c.device_id,
        commands.c.id,
        commands.c.kind,
        commands.c.payload,
        commands.c.created_at,
    )
    .where(
        tuple_(commands.c.user_id, commands.c.device_id).in_(bindparam("pairs", expanding=True)),
        commands.c.acked_at.is_(None),
    )
    .order_by(commands.c.id)
)


def _record_on_sqlite(engine: Engine, beats: list[Beat]) -> list[Recorded | None]:
    values = [_touch_values(beat) for beat in beats]
    with engine.begin() as conn:
        matched = _touch(conn, values)
        pairs = [
            (b.claims.user_id, b.claims.device_id) for b, m in zip(beats, matched, strict=True) if m
        ]
        if not pairs:
            return [None] * len(beats)
        accounts = {
            row.id: row
            for row in conn.execute(_ACCOUNTS, {"user_ids": sorted({u for u, _ in pairs})})
        }
        pending: dict[tuple[str, str], list[Command]] = defaultdict(list)
        for row in conn.execute(_PENDING, {"pairs": pairs}):
            pending[(row.user_id, row.device_id)].append(
                Command(id=row.id, kind=row.kind, payload=row.payload, created_at=row.created_at)
            )
    found: list[Recorded | None] = []
    for beat, ok in zip(beats, matched, strict=True):
        account = accounts.get(beat.claims.user_id) if ok else None
        if account is None:
            found.append(None)
            continue
        mine = pending.get((beat.claims.user_id, beat.claims.device_id), [])
        found.append(Recorded(account.status, account.rules_version, mine))
    return found


def _touch(conn: Connection, values: list[dict[str, Any]]) -> list[bool]:
    """Which beats matched their device row. SQLite sums the row counts of a many-rows
    UPDATE, so only when some did not match is each beat's UPDATE repeated alone (it writes
    the same values again) to find which."""
    if conn.execute(_TOUCH, values).rowcount == len(values):
        return [True] * len(values)
    return [conn.execute(_TOUCH, v).rowcount > 0 for v in values]


def _touch_values(beat: Beat) -> dict[str, Any]:
    claims, body = beat.claims, beat.body
    return {
        "u": claims.user_id,
        "d": claims.device_id,
        "c": claims.company_id,
        "g": claims.generation,
        "last_seen_at": beat.now,
        "status": body.status,
        "session_id": body.session_id,
        "current_app": body.current_app,
        "queue_sizes": body.queue_sizes,
        "agent_version": body.agent_version or None,
    }
