"""Named dependencies for the routes: `DbSession`, `CurrentUser`, `CurrentAdmin`, `CompanyAdmin`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, select

from api.config import Settings
from api.db.tables import devices, users
from api.errors import Forbidden, Unauthorized
from api.security import Claims
from api.services import Services

ADMIN_ROLES = frozenset({"company_admin", "sub_admin"})


async def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


Svc = Annotated[Services, Depends(get_services)]


async def db_connection(svc: Svc) -> AsyncIterator[Connection]:
    """One connection per request; its work is committed before the response is sent.

    Transactions begin on first use, so a dependency may commit its own part early and the
    route continues in a fresh transaction.
    """
    conn = await anyio.to_thread.run_sync(svc.engine.connect)
    try:
        yield conn
    except BaseException:
        await anyio.to_thread.run_sync(_close, conn, False, limiter=svc.commit_limiter)
        raise
    await anyio.to_thread.run_sync(_close, conn, True, limiter=svc.commit_limiter)


def _close(conn: Connection, commit: bool) -> None:
    try:
        if commit:
            conn.commit()
        else:
            conn.rollback()
    finally:
        conn.close()


DbSession = Annotated[Connection, Depends(db_connection, scope="function")]


def ip_of(settings: Settings, forwarded_for: str | None, peer: str | None) -> str:
    """The caller's address: the proxy's first X-Forwarded-For entry when trusted."""
    if settings.trust_forwarded_for and forwarded_for:
        return forwarded_for.split(",")[0].strip()
    return peer or "unknown"


async def client_ip(request: Request, svc: Svc) -> str:
    peer = request.client.host if request.client else None
    return ip_of(svc.settings, request.headers.get("x-forwarded-for"), peer)


ClientIp = Annotated[str, Depends(client_ip)]


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    company_id: str
    role: str
    device_id: str


bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/login")


async def verified_claims(
    svc: Svc,
    ip: ClientIp,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_device_id: Annotated[
        str | None, Header(description="The device id the token was issued to")
    ] = None,
) -> Claims:
    """A valid signature, the right device header and budget left; no database check yet."""
    token = credentials.credentials if credentials else None
    return await authenticate(svc, token, x_device_id, ip)


async def authenticate(svc: Services, token: str | None, device_id: str | None, ip: str) -> Claims:
    """Check the token's signature (cached), its device and the caller's request budget."""
    if token is None:
        raise Unauthorized("Log in first and send 'Authorization: Bearer <access token>'.")
    claims = svc.tokens.verify(token)
    if device_id != claims.device_id:
        raise Unauthorized(
            "The X-Device-ID header does not match the device this token was issued to.",
            code="device_mismatch",
        )
    settings = svc.settings
    await svc.budget.spend_async(
        [
            (f"ip:{ip}", settings.requests_per_ip_per_minute),
            (f"user:{claims.user_id}", settings.requests_per_user_per_minute),
        ]
    )
    return claims


TokenClaims = Annotated[Claims, Depends(verified_claims)]


def current_principal(conn: DbSession, claims: TokenClaims) -> Principal:
    """The caller, checked against the database: device not revoked, token not signed out,
    account active; the role is read fresh."""
    row = conn.execute(
        select(devices.c.revoked_at, devices.c.token_generation, users.c.status, users.c.role)
        .join(users, users.c.id == devices.c.user_id)
        .where(
            devices.c.user_id == claims.user_id,
            devices.c.id == claims.device_id,
            devices.c.company_id == claims.company_id,
        )
    ).first()
    if row is None or row.revoked_at is not None or row.token_generation != claims.generation:
        raise Unauthorized(
            "This session was signed out or the device revoked; log in again.", code="token_revoked"
        )
    if row.status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    conn.commit()  # hold no lock while the route works (it may open its own transactions)
    return Principal(claims.user_id, claims.company_id, row.role, claims.device_id)


CurrentUser = Annotated[Principal, Depends(current_principal)]


async def current_admin(principal: CurrentUser) -> Principal:
    if principal.role not in ADMIN_ROLES:
        raise Forbidden("This needs an admin (company_admin or sub_admin).")
    return principal


async def company_admin(principal: CurrentUser) -> Principal:
    if principal.role != "company_admin":
        raise Forbidden("This needs a company_admin.")
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]
CompanyAdmin = Annotated[Principal, Depends(company_admin)]
