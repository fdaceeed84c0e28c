"""What collectors call every 30 s: the heartbeat (presence in, pending commands out) and acks.

This is the hot path: one UPDATE (presence, and the revocation check in its WHERE) and one
SELECT (account status, rules version and pending commands) per heartbeat.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import and_, select, update

from api.companies import now_utc
from api.db.tables import commands, companies, devices, users
from api.deps import CurrentUser, DbSession
from api.devices import sign_out_device
from api.errors import NotFound, Unauthorized, responses
from api.models.agent import Command, Heartbeat, HeartbeatResponse

router = APIRouter(prefix="/agent", tags=["agent"])


@router.post(
    "/heartbeat", response_model=HeartbeatResponse, responses=responses(401, 403, 422, 429)
)
def heartbeat(body: Heartbeat, principal: CurrentUser, conn: DbSession) -> HeartbeatResponse:
    """Report status; the answer carries the rules version and commands until acknowledged.

    A `new_rules` command (id 0, nothing to acknowledge) appears while the heartbeat's
    `rules_version` is older than the company's.
    """
    now = now_utc()
    seen = conn.execute(
        update(devices)
        .where(
            devices.c.user_id == principal.user_id,
            devices.c.id == principal.device_id,
            devices.c.revoked_at.is_(None),
        )
        .values(
            last_seen_at=now,
            status=body.status,
            session_id=body.session_id,
            current_app=body.current_app,
            queue_sizes=body.queue_sizes,
            agent_version=body.agent_version or devices.c.agent_version,
        )
    ).rowcount
    if not seen:
        raise Unauthorized("This device was revoked; log in again.", code="token_revoked")
    rows = conn.execute(
        select(
            companies.c.rules_version,
            users.c.status,
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
                commands.c.device_id == principal.device_id,
                commands.c.acked_at.is_(None),
            ),
        )
        .where(users.c.id == principal.user_id)
        .order_by(commands.c.id)
    ).all()
    pending = [
        Command(id=r.id, kind=r.kind, payload=r.payload, created_at=r.created_at)
        for r in rows
        if r.id is not None
    ]
    rules_version = rows[0].rules_version
    if body.rules_version is not None and body.rules_version < rules_version:
        pending.append(
            Command(
                id=0, kind="new_rules", payload={"rules_version": rules_version}, created_at=now
            )
        )
    return HeartbeatResponse(server_time=now, rules_version=rules_version, commands=pending)


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
