"""What collectors call every 30 s: the heartbeat (presence in, pending commands out) and acks.

This is the hot path: no password hashing, a cached token check, no database work for the
request budget, and one transaction with one UPDATE (presence, with the revocation check in
its WHERE) and one SELECT (account status, rules version and pending commands).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import Connection, Row, and_, bindparam, func, select, update

from api.companies import now_utc
from api.db.tables import commands, companies, devices, users
from api.deps import CurrentUser, DbSession, Svc, TokenClaims
from api.devices import sign_out_device
from api.errors import Forbidden, NotFound, Unauthorized, responses
from api.models.agent import Command, Heartbeat, HeartbeatResponse
from api.security import Claims
from api.services import Services

router = APIRouter(prefix="/agent", tags=["agent"])

# Account status, rules version and pending commands in one indexed statement.
_PENDING = (
    select(
        users.c.status,
        companies.c.rules_version,
        commands.c.id,
        commands.c.kind,
        commands.c.payload,
        commands.c.created_at,
    )
    .select_from(users)
    .join(companies, companies.c.id == users.c.company_id)
    .outerjoin(
        commands,
        and_(
            commands.c.user_id == users.c.id,
            commands.c.device_id == bindparam("device_id"),
            commands.c.acked_at.is_(None),
        ),
    )
    .where(users.c.id == bindparam("user_id"))
    .order_by(commands.c.id)
)


@router.post(
    "/heartbeat", response_model=HeartbeatResponse, responses=responses(401, 403, 422, 429)
)
async def heartbeat(body: Heartbeat, claims: TokenClaims, svc: Svc) -> HeartbeatResponse:
    """Report status; the answer carries the rules version and commands until acknowledged.

    A `new_rules` command (id 0, nothing to acknowledge) appears while the heartbeat's
    `rules_version` is older than the company's.
    """
    now = now_utc()
    rows = await svc.run_short(lambda: _record(svc, claims, body, now))
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


def _record(
    svc: Services, claims: Claims, body: Heartbeat, now: dt.datetime
) -> list[Row[Any, Any, Any, Any, Any, Any]]:
    with svc.engine.begin() as conn:
        if not _touch_device(conn, claims, body, now):
            raise Unauthorized(
                "This session was signed out or the device revoked; log in again.",
                code="token_revoked",
            )
        ids = {"user_id": claims.user_id, "device_id": claims.device_id}
        rows = list(conn.execute(_PENDING, ids).all())
        if not rows or rows[0].status != "active":
            raise Forbidden(
                "This account is suspended; ask your company admin.", code="account_suspended"
            )
    return rows


def _touch_device(conn: Connection, claims: Claims, body: Heartbeat, now: dt.datetime) -> bool:
    """Presence update whose WHERE is also the revocation check (no row: signed out)."""
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
    return bool(conn.execute(_TOUCH, values).rowcount)


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
        current_app=bindparam("current_app"),
        queue_sizes=bindparam("queue_sizes", type_=devices.c.queue_sizes.type),
        agent_version=func.coalesce(bindparam("agent_version"), devices.c.agent_version),
    )
)


@router.post(
    "/commands/{command_id}/ack",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 429),
)
def ack(command_id: int, principal: CurrentUser, conn: DbSession) -> None:
    """Acknowledge a command; acknowledging force_logout signs the device out."""
    row = conn.execute(
        select(commands).where(
            commands.c.id == command_id,
            commands.c.user_id == principal.user_id,
            commands.c.device_id == principal.device_id,
            commands.c.company_id == principal.company_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"No command {command_id} for this device.")
    if row.acked_at is None:
        conn.execute(update(commands).where(commands.c.id == command_id).values(acked_at=now_utc()))
        if row.kind == "force_logout":
            sign_out_device(conn, principal.user_id, principal.device_id, revoke=False)
