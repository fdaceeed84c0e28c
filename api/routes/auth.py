"""Login (a collector device or a web sign-in), refresh with rotation, logout, invitations."""

from __future__ import annotations

import logging
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Response

from api.companies import new_id
from api.deps import ClientIp, CurrentUser, DbSession, Svc
from api.devices import sign_out_device
from api.errors import Unauthorized, responses
from api.login import (
    WRONG_LOGIN,
    find_account,
    finish_login,
    record_failure,
    spend_login_attempt,
    use_invite,
)
from api.models.auth import (
    AcceptInvite,
    LoginRequest,
    LoginResponse,
    LogoutRequest,
    RefreshRequest,
    TokenPair,
)
from api.models.users import DeviceInfo, UserPublic
from api.refresh import ReuseDetected, revoke_family, rotate
from api.security import check_password_strength

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=LoginResponse, responses=responses(401, 403, 409, 422, 429))
async def login(body: LoginRequest, svc: Svc, ip: ClientIp) -> LoginResponse:
    """Sign in. A collector sends its `device` (bound on first login, counted against the
    company's device limit); a browser leaves it out and gets a web sign-in of its own."""
    email = body.email.lower()
    row = await anyio.to_thread.run_sync(find_account, svc, ip, email)
    if not await svc.passwords.verify(row.password_hash if row else None, body.password):
        await anyio.to_thread.run_sync(record_failure, svc, email)
        raise Unauthorized(WRONG_LOGIN, code="wrong_credentials")
    assert row is not None
    web = body.device is None
    device = body.device or DeviceInfo(id=f"web-{new_id()}", name="Web browser", os="web")
    return await anyio.to_thread.run_sync(finish_login, svc, row, device, web)


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
        logger.warning(
            "a used refresh token came back for user %s device %s: signing the device out",
            reuse.user_id,
            reuse.device_id,
        )
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
    await anyio.to_thread.run_sync(spend_login_attempt, svc, ip)
    check_password_strength(body.password, svc.settings.password_min_length)
    password_hash = await svc.passwords.hash(body.password)
    return await anyio.to_thread.run_sync(use_invite, svc, body.token, password_hash)
