"""Admin views and actions: active sessions, force-end, presence, force logout, the company,
and the export of session events for the lake."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import insert, select, update

from api import worksessions
from api.companies import company_public, now_utc
from api.db.tables import commands, companies, devices, session_events, work_sessions
from api.deps import CompanyAdmin, CurrentAdmin, DbSession, Svc
from api.errors import NotFound, responses
from api.models.agent import CommandCreated, PresencePublic
from api.models.sessions import SessionEventRow, SessionExport, SessionPublic
from api.models.users import CompanyPublic, CompanyUpdate
from api.scope import visible_user, visible_user_ids

router = APIRouter(prefix="/admin", tags=["admin"])
AUTH = responses(401, 403, 429)


@router.get("/sessions/active", response_model=list[SessionPublic], responses=AUTH)
def active_sessions(principal: CurrentAdmin, conn: DbSession) -> list[SessionPublic]:
    """Open (active or paused) sessions of the people you manage."""
    query = select(work_sessions).where(
        work_sessions.c.company_id == principal.company_id, work_sessions.c.state != "ended"
    )
    allowed = visible_user_ids(conn, principal)
    if allowed is not None:
        query = query.where(work_sessions.c.user_id.in_(allowed))
    return [
        worksessions.session_public(r)
        for r in conn.execute(query.order_by(work_sessions.c.started_at))
    ]


@router.post(
    "/sessions/{user_id}/{session_id}/force-end",
    response_model=SessionPublic,
    responses=responses(401, 403, 404, 409, 429),
)
def force_end(
    user_id: str, session_id: str, principal: CurrentAdmin, conn: DbSession
) -> SessionPublic:
    """End someone's session now; their device gets an end_session command."""
    visible_user(conn, principal, user_id)
    row = worksessions.find_session(conn, principal.company_id, user_id, session_id)
    return worksessions.force_end(conn, row, principal.user_id)


@router.get(
    "/sessions/export", response_model=SessionExport, responses=responses(401, 403, 422, 429)
)
def export_sessions(
    principal: CompanyAdmin,
    conn: DbSession,
    date: Annotated[dt.date, Query(description="UTC day of the events (client timestamps)")],
) -> SessionExport:
    """Every session event of the company on one UTC day, as rows of lakehouse.schema.SESSIONS."""
    lo = dt.datetime.combine(date, dt.time(), dt.UTC)
    rows = conn.execute(
        select(session_events)
        .where(
            session_events.c.company_id == principal.company_id,
            session_events.c.ts >= lo,
            session_events.c.ts < lo + dt.timedelta(days=1),
        )
        .order_by(session_events.c.ts, session_events.c.event_id)
    )
    batch_id = f"api-sessions-{date.isoformat()}"
    return SessionExport(
        company_id=principal.company_id,
        date=date,
        rows=[
            SessionEventRow(
                event_id=r.event_id,
                batch_id=batch_id,
                company_id=r.company_id,
                user_id=r.user_id,
                device_id=r.device_id,
                session_id=r.session_id,
                ts=r.ts,
                kind=r.kind,
            )
            for r in rows
        ],
    )


@router.get("/presence", response_model=list[PresencePublic], responses=AUTH)
def presence(principal: CurrentAdmin, conn: DbSession, svc: Svc) -> list[PresencePublic]:
    """Every (not revoked) device of the people you manage: online, status, app, last seen."""
    query = select(devices).where(
        devices.c.company_id == principal.company_id,
        devices.c.revoked_at.is_(None),
        devices.c.kind == "collector",
    )
    allowed = visible_user_ids(conn, principal)
    if allowed is not None:
        query = query.where(devices.c.user_id.in_(allowed))
    cutoff = now_utc() - dt.timedelta(seconds=svc.settings.online_after_seconds)
    return [
        PresencePublic(
            user_id=r.user_id,
            device_id=r.id,
            status=r.status,
            current_app=r.current_app,
            session_id=r.session_id,
            last_seen_at=r.last_seen_at,
            online=r.last_seen_at is not None and r.last_seen_at >= cutoff and r.status is not None,
        )
        for r in conn.execute(query.order_by(devices.c.user_id, devices.c.id))
    ]


@router.post(
    "/users/{user_id}/devices/{device_id}/force-logout",
    response_model=CommandCreated,
    status_code=201,
    responses=responses(401, 403, 404, 429),
)
def force_logout(
    user_id: str, device_id: str, principal: CurrentAdmin, conn: DbSession
) -> CommandCreated:
    """Queue force_logout: the device signs out at its next heartbeat (revoke to cut it off now)."""
    visible_user(conn, principal, user_id)
    found = conn.execute(
        select(devices.c.id).where(
            devices.c.user_id == user_id, devices.c.id == device_id, devices.c.revoked_at.is_(None)
        )
    ).first()
    if found is None:
        raise NotFound(f"User {user_id} has no active device {device_id}.")
    created = now_utc()
    command_id = conn.execute(
        insert(commands)
        .values(
            company_id=principal.company_id,
            user_id=user_id,
            device_id=device_id,
            kind="force_logout",
            payload={},
            created_at=created,
        )
        .returning(commands.c.id)
    ).scalar_one()
    return CommandCreated(
        id=command_id, kind="force_logout", user_id=user_id, device_id=device_id, created_at=created
    )


@router.get("/company", response_model=CompanyPublic, responses=AUTH)
def get_company(principal: CurrentAdmin, conn: DbSession) -> CompanyPublic:
    return company_public(conn, principal.company_id)


@router.patch("/company", response_model=CompanyPublic, responses=responses(401, 403, 422, 429))
def update_company(body: CompanyUpdate, principal: CompanyAdmin, conn: DbSession) -> CompanyPublic:
    """Rename the company or change how many devices each person may use."""
    changes = body.model_dump(exclude_none=True)
    if changes:
        conn.execute(
            update(companies).where(companies.c.id == principal.company_id).values(**changes)
        )
    return company_public(conn, principal.company_id)
