"""Work sessions of the signed-in person: start, pause, resume, idle marks, end; history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Connection, select

from api import worksessions
from api.db.tables import work_sessions
from api.deps import CurrentAdmin, CurrentUser, DbSession
from api.errors import Invalid, NotFound, responses
from api.models.sessions import (
    SessionChange,
    SessionEnd,
    SessionEventCreate,
    SessionPublic,
    SessionStart,
)
from api.scope import visible_user

router = APIRouter(tags=["sessions"])
CHANGE = responses(401, 403, 404, 409, 422, 429)
MAX_RANGE_DAYS = 366


@router.post("/me/sessions", response_model=SessionPublic, responses=CHANGE)
def start_session(body: SessionStart, principal: CurrentUser, conn: DbSession) -> SessionPublic:
    """Start a session with the collector's own id; starting the same id again returns it."""
    return worksessions.start(
        conn,
        principal.company_id,
        principal.user_id,
        principal.device_id,
        body.id,
        body.event_id,
        body.ts,
    )


def _apply(
    conn: Connection,
    principal: CurrentUser,
    session_id: str,
    kind: str,
    body: SessionChange,
    summary: dict[str, object] | None = None,
) -> SessionPublic:
    row = worksessions.find_session(conn, principal.company_id, principal.user_id, session_id)
    return worksessions.change(
        conn, row, kind, body.event_id, body.ts, principal.device_id, summary
    )


@router.post("/me/sessions/{session_id}/pause", response_model=SessionPublic, responses=CHANGE)
def pause(
    session_id: str, body: SessionChange, principal: CurrentUser, conn: DbSession
) -> SessionPublic:
    return _apply(conn, principal, session_id, "pause", body)


@router.post("/me/sessions/{session_id}/resume", response_model=SessionPublic, responses=CHANGE)
def resume(
    session_id: str, body: SessionChange, principal: CurrentUser, conn: DbSession
) -> SessionPublic:
    return _apply(conn, principal, session_id, "resume", body)


@router.post("/me/sessions/{session_id}/end", response_model=SessionPublic, responses=CHANGE)
def end(
    session_id: str, body: SessionEnd, principal: CurrentUser, conn: DbSession
) -> SessionPublic:
    return _apply(conn, principal, session_id, "end", body, body.summary)


@router.post("/me/sessions/{session_id}/events", response_model=SessionPublic, responses=CHANGE)
def idle_event(
    session_id: str, body: SessionEventCreate, principal: CurrentUser, conn: DbSession
) -> SessionPublic:
    """Record idle_start / idle_end inside a session."""
    return _apply(conn, principal, session_id, body.kind, body)


@router.get(
    "/me/sessions/current", response_model=SessionPublic, responses=responses(401, 403, 404, 429)
)
def current(principal: CurrentUser, conn: DbSession) -> SessionPublic:
    row = conn.execute(
        select(work_sessions).where(
            work_sessions.c.user_id == principal.user_id,
            work_sessions.c.company_id == principal.company_id,
            work_sessions.c.state != "ended",
        )
    ).first()
    if row is None:
        raise NotFound("You have no open work session.", code="no_open_session")
    return worksessions.session_public(row)


def _history(
    conn: Connection, company_id: str, user_id: str, start: dt.date, end: dt.date
) -> list[SessionPublic]:
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        raise Invalid(
            f"Choose an end date on or after the start, at most {MAX_RANGE_DAYS} days later."
        )
    lo = dt.datetime.combine(start, dt.time(), dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    rows = conn.execute(
        select(work_sessions)
        .where(
            work_sessions.c.company_id == company_id,
            work_sessions.c.user_id == user_id,
            work_sessions.c.started_at >= lo,
            work_sessions.c.started_at < hi,
        )
        .order_by(work_sessions.c.started_at)
    )
    return [worksessions.session_public(r) for r in rows]


DateFrom = Annotated[dt.date, Query(alias="from", description="First UTC day (inclusive)")]
DateTo = Annotated[dt.date, Query(alias="to", description="Last UTC day (inclusive)")]


@router.get(
    "/me/sessions", response_model=list[SessionPublic], responses=responses(401, 403, 422, 429)
)
def my_sessions(
    principal: CurrentUser, conn: DbSession, start: DateFrom, end: DateTo
) -> list[SessionPublic]:
    """Your sessions that started in [from, to] (UTC days)."""
    return _history(conn, principal.company_id, principal.user_id, start, end)


@router.get(
    "/users/{user_id}/sessions",
    response_model=list[SessionPublic],
    responses=responses(401, 403, 404, 422, 429),
)
def user_sessions(
    user_id: str, principal: CurrentAdmin, conn: DbSession, start: DateFrom, end: DateTo
) -> list[SessionPublic]:
    visible_user(conn, principal, user_id)
    return _history(conn, principal.company_id, user_id, start, end)
