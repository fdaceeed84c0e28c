"""Named dependencies for the routes: `DbSession`, `CurrentUser`, `CurrentAdmin`, `CompanyAdmin`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, select

from api.db.tables import devices, users
from api.errors import Forbidden, Unauthorized
from api.ratelimit import Budget, spend
from api.services import Services

ADMIN_ROLES = frozenset({"company_admin", "sub_admin"})


def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


Svc = Annotated[Services, Depends(get_services)]


def db_connection(svc: Svc) -> Iterator[Connection]:
    """One connection per request; its work is committed before the response is sent.

    Transactions begin on first use, so a dependency may commit its own part early
    (the request budget) and the route continues in a fresh transaction.
    """
    with svc.engine.connect() as conn:
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


DbSession = Annotated[Connection, Depends(db_connection, scope="function")]


def client_ip(request: Request, svc: Svc) -> str:
    if svc.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    company_id: str
    role: str
    device_id: str


bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/login")


def current_principal(
    svc: Svc,
    conn: DbSession,
    ip: ClientIp,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_device_id: Annotated[
        str | None, Header(description="The device id the token was issued to")
    ] = None,
) -> Principal:
    if credentials is None:
        raise Unauthorized("Log in first and send 'Authorization: Bearer <access token>'.")
    claims = svc.tokens.verify(credentials.credentials)
    if x_device_id != claims.device_id:
        raise Unauthorized(
            "The X-Device-ID header does not match the device this token was issued to.",
            code="device_mismatch",
        )
    settings = svc.settings
    spend(
        conn,
        [
            Budget(f"ip:{ip}", settings.requests_per_ip_per_minute, 60),
            Budget(f"user:{claims.user_id}", settings.requests_per_user_per_minute, 60),
        ],
        "Too many requests; slow down and retry after the time in Retry-After.",
    )
    conn.commit()  # the spend counts even when the route then fails
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


def current_admin(principal: CurrentUser) -> Principal:
    if principal.role not in ADMIN_ROLES:
        raise Forbidden("This needs an admin (company_admin or sub_admin).")
    return principal


def company_admin(principal: CurrentUser) -> Principal:
    if principal.role != "company_admin":
        raise Forbidden("This needs a company_admin.")
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]
CompanyAdmin = Annotated[Principal, Depends(company_admin)]
