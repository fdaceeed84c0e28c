"""Work sessions: at most one open per person; every change is an event with the client's id.

Replaying an event id (or starting a session id again) returns the session as it is: the
collector replays its offline journal after an outage and must not see errors for that.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from api.companies import new_id, now_utc
from api.db.tables import commands, session_events, work_sessions
from api.errors import Conflict, NotFound
from api.models.sessions import SessionPublic

logger = logging.getLogger(__name__)

# kind -> (states it may happen in, state afterwards or None to keep)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "pause": (frozenset({"active"}), "paused"),
    "resume": (frozenset({"paused"}), "active"),
    "idle_start": (frozenset({"active", "paused"}), None),
    "idle_end": (frozenset({"active", "paused"}), None),
    "end": (frozenset({"active", "paused"}), "ended"),
    "force_end": (frozenset({"active", "paused"}), "ended"),
}


def session_public(row: Row[Any]) -> SessionPublic:
    return SessionPublic(
        id=row.id,
        user_id=row.user_id,
        device_id=row.device_id,
        state=row.state,
        started_at=row.started_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        summary=row.summary,
    )


def find_session(conn: Connection, company_id: str, user_id: str, session_id: str) -> Row[Any]:
    row = conn.execute(
        select(work_sessions).where(
            work_sessions.c.company_id == company_id,
            work_sessions.c.user_id == user_id,
            work_sessions.c.id == session_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"No work session {session_id}; start one first.", code="session_not_found")
    return row


def _event_seen(conn: Connection, user_id: str, event_id: str) -> bool:
    return (
        conn.execute(
            select(session_events.c.event_id).where(
                session_events.c.user_id == user_id, session_events.c.event_id == event_id
            )
        ).first()
        is not None
    )


def record_event(
    conn: Connection, session: Row[Any], event_id: str, kind: str, ts: dt.datetime, device_id: str
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(session_events)
        .values(
            user_id=session.user_id,
            event_id=event_id,
            company_id=session.company_id,
            device_id=device_id,
            session_id=session.id,
            kind=kind,
            ts=ts,
            recorded_at=now_utc(),
        )
        .on_conflict_do_nothing()
    )


def start(
    conn: Connection,
    company_id: str,
    user_id: str,
    device_id: str,
    session_id: str,
    event_id: str,
    ts: dt.datetime,
) -> SessionPublic:
    existing = conn.execute(
        select(work_sessions).where(
            work_sessions.c.user_id == user_id, work_sessions.c.id == session_id
        )
    ).first()
    if existing is not None:
        return session_public(existing)
    open_row = conn.execute(
        select(work_sessions.c.id).where(
            work_sessions.c.user_id == user_id, work_sessions.c.state != "ended"
        )
    ).first()
    if open_row is not None:
        raise Conflict(
            f"Work session {open_row.id} is still open; end it before starting another.",
            code="session_open",
            details={"open_session_id": open_row.id},
        )
    conn.execute(
        insert(work_sessions).values(
            user_id=user_id,
            id=session_id,
            company_id=company_id,
            device_id=device_id,
            state="active",
            started_at=ts,
        )
    )
    row = find_session(conn, company_id, user_id, session_id)
    record_event(conn, row, event_id, "start", ts, device_id)
    return session_public(row)


def change(
    conn: Connection,
    row: Row[Any],
    kind: str,
    event_id: str,
    ts: dt.datetime,
    device_id: str,
    summary: dict[str, Any] | None = None,
    by: str = "user",
) -> SessionPublic:
    """Apply one event to the session (a replayed event id changes nothing)."""
    if _event_seen(conn, row.user_id, event_id):
        return session_public(row)
    allowed, after = TRANSITIONS[kind]
    if row.state not in allowed:
        raise Conflict(
            f"Work session {row.id} is {row.state}; it cannot take '{kind}' now.",
            code="session_state",
            details={"state": row.state},
        )
    values: dict[str, Any] = {}
    if after is not None:
        values["state"] = after
    if after == "ended":
        values.update(ended_at=ts, ended_by=by, summary=summary or {})
    if values:
        conn.execute(
            update(work_sessions)
            .where(work_sessions.c.user_id == row.user_id, work_sessions.c.id == row.id)
            .values(**values)
        )
    record_event(conn, row, event_id, kind, ts, device_id)
    return session_public(find_session(conn, row.company_id, row.user_id, row.id))


def force_end(conn: Connection, row: Row[Any], admin_id: str) -> SessionPublic:
    """End someone's session from the server and tell their device to stop."""
    logger.info("admin %s force-ends session %s of user %s", admin_id, row.id, row.user_id)
    ended = change(
        conn,
        row,
        "force_end",
        new_id(),
        now_utc(),
        row.device_id,
        {"forced_by": admin_id},
        by="admin",
    )
    conn.execute(
        insert(commands).values(
            company_id=row.company_id,
            user_id=row.user_id,
            device_id=row.device_id,
            kind="end_session",
            payload={"session_id": row.id},
            created_at=now_utc(),
        )
    )
    return ended
