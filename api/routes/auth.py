"""Login (email, password, device), token refresh with rotation, logout, accepting an invite."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy import select, update

from api.companies import company_public, current_rules, now_utc
from api.db.tables import invites, users
from api.deps import ClientIp, CurrentUser, DbSession, Svc
from api.devices import bind_device, sign_out_device
from api.errors import Forbidden, NotFound, TooManyRequests, Unauthorized, responses
from api.models.auth import (
    AcceptInvite,
    LoginRequest,
    LoginResponse,
    LogoutRequest,
    RefreshRequest,
    TokenPair,
)
from api.models.users import UserPublic
from api.ratelimit import Budget, remaining_lock_seconds, spend
from api.refresh import Holder, ReuseDetected, issue_pair, revoke_family, rotate
from api.scope import user_public
from api.security import check_password_strength, hash_opaque_token

router = APIRouter(prefix="/auth", tags=["auth"])
WRONG_LOGIN = "Wrong email or password."


def _account_budget(svc: Svc, email: str) -> Budget:
    s = svc.settings
    return Budget(f"login-fail:{email}", s.login_failures_per_account, s.login_lockout_seconds)


@router.post("/login", response_model=LoginResponse, responses=responses(401, 403, 409, 422, 429))
async def login(body: LoginRequest, svc: Svc, ip: ClientIp) -> LoginResponse:
    """Sign in on a device (bound on first login); returns tokens, the company key and rules."""
    email = body.email.lower()
    with svc.engine.begin() as conn:
        spend(
            conn,
            [Budget(f"login-ip:{ip}", svc.settings.login_per_ip_per_minute, 60)],
            "Too many sign-in attempts from your address; wait and try again.",
        )
    with svc.engine.begin() as conn:
        locked = remaining_lock_seconds(conn, _account_budget(svc, email))
        row = conn.execute(select(users).where(users.c.email == email)).first()
    if locked:
        raise TooManyRequests(
            "Too many wrong passwords for this account; it is locked for a while.",
            retry_after_seconds=locked,
            code="account_locked",
        )
    if not await svc.passwords.verify(row.password_hash if row else None, body.password):
        with svc.engine.begin() as conn:
            spend(conn, [_account_budget(svc, email)], WRONG_LOGIN)
        raise Unauthorized(WRONG_LOGIN, code="wrong_credentials")
    assert row is not None
    if row.status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    with svc.engine.begin() as conn:
        generation = bind_device(conn, row.company_id, row.id, body.device)
        holder = Holder(row.company_id, row.id, row.role, body.device.id, generation)
        pair = issue_pair(conn, svc, holder)
        return LoginResponse(
            **pair.model_dump(),
            user=user_public(conn, row),
            company=company_public(conn, row.company_id),
            rules=current_rules(conn, row.company_id),
        )


@router.post("/refresh", response_model=TokenPair, responses=responses(401, 403, 422, 429))
def refresh(
    body: RefreshRequest,
    svc: Svc,
    ip: ClientIp,
    x_device_id: Annotated[str | None, Header()] = None,
) -> TokenPair:
    """Trade a refresh token for a new pair; the old one stops working. Reuse revokes them all."""
    try:
        svc.budget.spend([(f"ip:{ip}", svc.settings.requests_per_ip_per_minute)])
        with svc.engine.begin() as conn:
            return rotate(conn, svc, body.refresh_token, x_device_id)
    except ReuseDetected as reuse:
        with svc.engine.begin() as conn:
            revoke_family(conn, reuse.family_id)
            sign_out_device(conn, reuse.user_id, reuse.device_id, revoke=False)
        raise Unauthorized(
            "This refresh token was already used, so it may have been copied: this device is "
            "signed out everywhere. Log in again.",
            code="refresh_reused",
        ) from None


@router.post(
    "/logout", status_code=204, response_class=Response, responses=responses(401, 403, 422, 429)
)
def logout(body: LogoutRequest, principal: CurrentUser, conn: DbSession) -> None:
    """Sign this device out: its access and refresh tokens stop working at once."""
    sign_out_device(conn, principal.user_id, principal.device_id, revoke=False)


@router.post("/accept-invite", response_model=UserPublic, responses=responses(404, 422, 429))
async def accept_invite(body: AcceptInvite, svc: Svc, ip: ClientIp) -> UserPublic:
    """Set a password with the token from the invitation; then log in as usual."""
    with svc.engine.begin() as conn:
        spend(
            conn,
            [Budget(f"login-ip:{ip}", svc.settings.login_per_ip_per_minute, 60)],
            "Too many attempts from your address; wait and try again.",
        )
    check_password_strength(body.password, svc.settings.password_min_length)
    password_hash = await svc.passwords.hash(body.password)
    with svc.engine.begin() as conn:
        token_hash = hash_opaque_token(body.token)
        invite = conn.execute(select(invites).where(invites.c.token_hash == token_hash)).first()
        if invite is None or invite.used_at is not None or invite.expires_at <= now_utc():
            raise NotFound(
                "This invitation is unknown, used or expired; ask your admin for a new one.",
                code="invite_invalid",
            )
        conn.execute(
            update(invites).where(invites.c.token_hash == token_hash).values(used_at=now_utc())
        )
        conn.execute(
            update(users)
            .where(users.c.id == invite.user_id, users.c.status == "invited")
            .values(password_hash=password_hash, status="active")
        )
        row = conn.execute(select(users).where(users.c.id == invite.user_id)).one()
        return user_public(conn, row)
