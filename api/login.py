"""The database side of signing in and accepting invitations.

Each function is one short piece of blocking work; the async routes run them in worker
threads, so a wait for the database never stalls the event loop.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Row, select, update

from api.companies import company_public, current_rules, now_utc
from api.db.tables import invites, users
from api.devices import bind_device
from api.errors import Forbidden, NotFound, TooManyRequests
from api.models.auth import LoginResponse
from api.models.users import DeviceInfo, UserPublic
from api.ratelimit import Budget, remaining_lock_seconds, spend
from api.refresh import Holder, issue_pair
from api.scope import user_public
from api.security import hash_opaque_token
from api.services import Services

logger = logging.getLogger(__name__)
WRONG_LOGIN = "Wrong email or password."


def _account_budget(svc: Services, email: str) -> Budget:
    s = svc.settings
    return Budget(f"login-fail:{email}", s.login_failures_per_account, s.login_lockout_seconds)


def spend_login_attempt(svc: Services, ip: str) -> None:
    with svc.engine.begin() as conn:
        spend(
            conn,
            [Budget(f"login-ip:{ip}", svc.settings.login_per_ip_per_minute, 60)],
            "Too many sign-in attempts from your address; wait and try again.",
        )


def find_account(svc: Services, ip: str, email: str) -> Row[Any] | None:
    """Count the attempt, refuse a locked account, and return the user row (None: unknown)."""
    spend_login_attempt(svc, ip)
    with svc.engine.begin() as conn:
        locked = remaining_lock_seconds(conn, _account_budget(svc, email))
        row = conn.execute(select(users).where(users.c.email == email)).first()
    if locked:
        raise TooManyRequests(
            "Too many wrong passwords for this account; it is locked for a while.",
            retry_after_seconds=locked,
            code="account_locked",
        )
    return row


def record_failure(svc: Services, email: str) -> None:
    """Count a wrong password against the account, whatever address it came from."""
    logger.info("a sign-in failed (wrong password or unknown account)")
    with svc.engine.begin() as conn:
        spend(conn, [_account_budget(svc, email)], WRONG_LOGIN)


def finish_login(svc: Services, row: Row[Any], device: DeviceInfo, web: bool) -> LoginResponse:
    if row.status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    with svc.engine.begin() as conn:
        generation = bind_device(conn, row.company_id, row.id, device, web=web)
        logger.info("user %s signed in on device %s", row.id, device.id)
        holder = Holder(row.company_id, row.id, row.role, device.id, generation)
        pair = issue_pair(conn, svc, holder)
        return LoginResponse(
            **pair.model_dump(),
            device_id=device.id,
            user=user_public(conn, row),
            company=company_public(conn, row.company_id),
            rules=current_rules(conn, row.company_id),
        )


def use_invite(svc: Services, token: str, password_hash: str) -> UserPublic:
    """Spend the invitation token and activate its user with the new password."""
    token_hash = hash_opaque_token(token)
    with svc.engine.begin() as conn:
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
        return user_public(
            conn, conn.execute(select(users).where(users.c.id == invite.user_id)).one()
        )
