"""Recording a heartbeat: presence in, account status, rules version and commands out.

Per heartbeat, one UPDATE (presence; its WHERE is also the revocation check) and one SELECT.
On PostgreSQL both go in one statement (a data-modifying CTE) in autocommit mode: one round
trip instead of four (BEGIN, UPDATE, SELECT, COMMIT). SQLite cannot put an UPDATE in a CTE,
but its statements cost microseconds in-process, so it runs the pair in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, case, func, select, update

from api.companies import now_utc
from api.db.tables import commands, companies, devices, users
from api.errors import Forbidden, Unauthorized
from api.models.agent import Command, Heartbeat, HeartbeatResponse
from api.security import Claims
from api.services import Services

PendingRow = Row[Any, Any, Any, Any, Any, Any]
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
_COLUMNS = (
    users.c.status,
    companies.c.rules_version,
    commands.c.id,
    commands.c.kind,
    commands.c.payload,
    commands.c.created_at,
)
_PENDING_ON = and_(
    commands.c.user_id == users.c.id,
    commands.c.device_id == bindparam("d"),
    commands.c.acked_at.is_(None),
)
_PENDING = (
    select(*_COLUMNS)
    .select_from(users)
    .join(companies, companies.c.id == users.c.company_id)
    .outerjoin(commands, _PENDING_ON)
    .where(users.c.id == bindparam("u"))
    .order_by(commands.c.id)
)
_TOUCHED = _TOUCH.returning(devices.c.user_id).cte("touched")
_TOUCH_AND_PENDING = (
    select(*_COLUMNS)
    .select_from(_TOUCHED)
    .join(users, users.c.id == _TOUCHED.c.user_id)
    .join(companies, companies.c.id == users.c.company_id)
    .outerjoin(commands, _PENDING_ON)
    .order_by(commands.c.id)
)


def record_heartbeat(
    engine: Engine, claims: Claims, body: Heartbeat, now: dt.datetime
) -> list[PendingRow]:
    """Store presence; return rows of (status, rules_version, pending command or NULLs)."""
    values = {
        "u": claims.user_id,
        "d": claims.device_id,
        "c": claims.company_id,
        "g": claims.generation,
        "last_seen_at": now,
        "status": body.status,
        "session_id": body.session_id,
        "current_app": body.current_app,
        "queue_sizes": body.queue_sizes,
        "agent_version": body.agent_version or None,
    }
    if engine.dialect.name == "postgresql":  # the engine is in autocommit mode
        with engine.connect() as conn:
            rows = list(conn.execute(_TOUCH_AND_PENDING, values).all())
    else:
        with engine.begin() as conn:
            rows = _touch_then_select(conn, values)
    if not rows:
        raise Unauthorized(
            "This session was signed out or the device revoked; log in again.",
            code="token_revoked",
        )
    if rows[0].status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    return rows


def _touch_then_select(conn: Connection, values: dict[str, Any]) -> list[PendingRow]:
    if not conn.execute(_TOUCH, values).rowcount:
        return []
    return list(conn.execute(_PENDING, {"u": values["u"], "d": values["d"]}).all())


async def answer_heartbeat(svc: Services, claims: Claims, body: Heartbeat) -> HeartbeatResponse:
    """Record the heartbeat and say what the collector must do (pending commands)."""
    now = now_utc()
    rows = await svc.run_short(lambda engine: record_heartbeat(engine, claims, body, now))
    pending = [
        Command(id=r.id, kind=r.kind, payload=r.payload, created_at=r.created_at)
        for r in rows
        if r.id is not None
    ]
    rules_version = rows[0].rules_version
    if body.rules_version is not None and body.rules_version < rules_version:
        payload = {"rules_version": rules_version}
        pending.append(Command(id=0, kind="new_rules", payload=payload, created_at=now))
    return HeartbeatResponse(server_time=now, rules_version=rules_version, commands=pending)
