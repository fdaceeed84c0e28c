"""Who looked at whose data: the dashboards record views; each person reads their own log."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import insert, select

from api.companies import now_utc
from api.db.tables import access_log, users
from api.deps import CurrentAdmin, CurrentUser, DbSession
from api.errors import responses
from api.models.agent import AccessCreate, AccessPublic
from api.scope import visible_user

router = APIRouter(tags=["audit"])
LOG_LIMIT = 1000


@router.post(
    "/audit/access",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
)
def record_access(body: AccessCreate, principal: CurrentAdmin, conn: DbSession) -> None:
    """Record that the caller viewed someone's timeline, screenshots, … (own data is not logged)."""
    visible_user(conn, principal, body.subject_user_id)
    if body.subject_user_id == principal.user_id:
        return
    conn.execute(
        insert(access_log).values(
            company_id=principal.company_id,
            viewer_id=principal.user_id,
            subject_user_id=body.subject_user_id,
            resource=body.resource,
            detail=body.detail,
            viewed_at=now_utc(),
        )
    )


@router.get("/me/access-log", response_model=list[AccessPublic], responses=responses(401, 403, 429))
def my_access_log(principal: CurrentUser, conn: DbSession) -> list[AccessPublic]:
    """Who looked at what of yours, and when (newest first, at most 1000)."""
    rows = conn.execute(
        select(access_log, users.c.name.label("viewer_name"))
        .join(users, users.c.id == access_log.c.viewer_id)
        .where(
            access_log.c.company_id == principal.company_id,
            access_log.c.subject_user_id == principal.user_id,
        )
        .order_by(access_log.c.viewed_at.desc(), access_log.c.id.desc())
        .limit(LOG_LIMIT)
    )
    return [
        AccessPublic(
            viewer_id=r.viewer_id,
            viewer_name=r.viewer_name,
            subject_user_id=r.subject_user_id,
            resource=r.resource,
            detail=r.detail,
            viewed_at=r.viewed_at,
        )
        for r in rows
    ]
