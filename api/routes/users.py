"""People of a company: invite, list, change, suspend, reactivate; and `/me`."""

from __future__ import annotations

import datetime as dt

import anyio
from fastapi import APIRouter
from sqlalchemy import Connection, select, update

from api.companies import company_public
from api.db.tables import users
from api.deps import CurrentAdmin, CurrentUser, DbSession, Principal, Svc
from api.devices import sign_out_user
from api.errors import Conflict, Forbidden, responses
from api.invitations import check_invite_allowed, create_invite, invite_text, issue_token
from api.mail import MailError
from api.models.users import InviteCreate, InvitePublic, UserPublic, UserUpdate
from api.scope import user_public, users_public, visible_user, visible_user_ids
from api.services import Services

router = APIRouter(tags=["users"])
AUTH = responses(401, 403, 429)


@router.get("/me", response_model=UserPublic, responses=AUTH)
def me(principal: CurrentUser, conn: DbSession) -> UserPublic:
    """The signed-in person (id, company, role, teams)."""
    row = conn.execute(select(users).where(users.c.id == principal.user_id)).one()
    return user_public(conn, row)


@router.get("/users", response_model=list[UserPublic], responses=AUTH)
def list_users(principal: CurrentAdmin, conn: DbSession) -> list[UserPublic]:
    """Everyone in the company (a sub_admin: the members of the teams they manage)."""
    query = select(users).where(users.c.company_id == principal.company_id).order_by(users.c.email)
    allowed = visible_user_ids(conn, principal)
    if allowed is not None:
        query = query.where(users.c.id.in_(allowed))
    return users_public(conn, conn.execute(query))


@router.post(
    "/users/invite",
    response_model=InvitePublic,
    status_code=201,
    responses=responses(401, 403, 404, 409, 422, 429),
)
async def invite(body: InviteCreate, principal: CurrentAdmin, svc: Svc) -> InvitePublic:
    """Invite someone by email. Without a mail server the token is returned to show them."""

    def store() -> tuple[str, UserPublic, str, dt.datetime]:
        with svc.engine.begin() as conn:
            check_invite_allowed(conn, principal, body)
            hours = svc.settings.invite_hours
            user_id, token, expires_at = create_invite(conn, principal, body, hours)
            company = company_public(conn, principal.company_id)
            row = conn.execute(select(users).where(users.c.id == user_id)).one()
            return company.name, user_public(conn, row), token, expires_at

    return await _deliver(svc, *await anyio.to_thread.run_sync(store))


@router.post(
    "/users/{user_id}/invite",
    response_model=InvitePublic,
    status_code=201,
    responses=responses(401, 403, 404, 409, 429),
)
async def reinvite(user_id: str, principal: CurrentAdmin, svc: Svc) -> InvitePublic:
    """Send a new invitation to someone who has not set a password yet (the old one dies)."""

    def store() -> tuple[str, UserPublic, str, dt.datetime]:
        with svc.engine.begin() as conn:
            row = visible_user(conn, principal, user_id)
            if row.status != "invited":
                message = f"{row.email} has already accepted the invitation."
                raise Conflict(message, code="not_invited")
            token, expires_at = issue_token(conn, principal, user_id, svc.settings.invite_hours)
            company = company_public(conn, principal.company_id)
            return company.name, user_public(conn, row), token, expires_at

    return await _deliver(svc, *await anyio.to_thread.run_sync(store))


async def _deliver(
    svc: Services, company_name: str, user: UserPublic, token: str, expires_at: dt.datetime
) -> InvitePublic:
    """Mail the invitation; without a mail server (or when it fails) hand it to the admin."""
    url = f"{svc.settings.public_url.rstrip('/')}/invite?token={token}"
    shown = InvitePublic(
        user=user, expires_at=expires_at, emailed=False, invite_token=token, invite_url=url
    )
    if not svc.mailer.configured:
        return shown
    text = invite_text(company_name, url, token, expires_at)
    try:
        await svc.mailer.send(user.email, f"Your invitation to {company_name}", text)
    except MailError:
        return shown
    return InvitePublic(user=user, expires_at=expires_at, emailed=True)


@router.get("/users/{user_id}", response_model=UserPublic, responses=responses(401, 403, 404, 429))
def get_user(user_id: str, principal: CurrentAdmin, conn: DbSession) -> UserPublic:
    return user_public(conn, visible_user(conn, principal, user_id))


@router.patch(
    "/users/{user_id}", response_model=UserPublic, responses=responses(401, 403, 404, 422, 429)
)
def update_user(
    user_id: str, body: UserUpdate, principal: CurrentAdmin, conn: DbSession
) -> UserPublic:
    """Rename someone; only a company_admin changes roles."""
    visible_user(conn, principal, user_id)
    changes = body.model_dump(exclude_none=True)
    if "role" in changes and principal.role != "company_admin":
        raise Forbidden("Only a company_admin can change roles.")
    if changes.get("role", "company_admin") != "company_admin" and user_id == principal.user_id:
        raise Forbidden("You cannot take away your own company_admin role; ask another admin.")
    if changes:
        conn.execute(update(users).where(users.c.id == user_id).values(**changes))
    return user_public(conn, visible_user(conn, principal, user_id))


def _set_status(conn: Connection, principal: Principal, user_id: str, status: str) -> UserPublic:
    row = visible_user(conn, principal, user_id)
    if user_id == principal.user_id:
        raise Forbidden("You cannot suspend or reactivate yourself.")
    if row.role != "user" and principal.role != "company_admin":
        raise Forbidden("Only a company_admin can suspend or reactivate admins.")
    new_status = status if row.status != "invited" or status == "suspended" else "invited"
    conn.execute(update(users).where(users.c.id == user_id).values(status=new_status))
    if status == "suspended":
        sign_out_user(conn, user_id)
    return user_public(conn, visible_user(conn, principal, user_id))


@router.post(
    "/users/{user_id}/suspend", response_model=UserPublic, responses=responses(401, 403, 404, 429)
)
def suspend(user_id: str, principal: CurrentAdmin, conn: DbSession) -> UserPublic:
    """Block someone at once: every token of theirs stops working; they cannot log in."""
    return _set_status(conn, principal, user_id, "suspended")


@router.post(
    "/users/{user_id}/reactivate",
    response_model=UserPublic,
    responses=responses(401, 403, 404, 429),
)
def reactivate(user_id: str, principal: CurrentAdmin, conn: DbSession) -> UserPublic:
    """Let a suspended person log in again (they sign in anew on each device)."""
    return _set_status(conn, principal, user_id, "active")
