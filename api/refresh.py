"""Token pairs: a short-lived access token and a refresh token that rotates on every use.

Refresh tokens of one login form a family. Presenting a token that was already used (or
revoked) means it was copied: the whole family is revoked and the device signed out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from api.companies import new_id, now_utc
from api.db.tables import devices, refresh_tokens, users
from api.errors import Forbidden, Unauthorized
from api.models.auth import TokenPair
from api.security import hash_opaque_token, new_opaque_token
from api.services import Services


@dataclass(frozen=True, slots=True)
class Holder:
    company_id: str
    user_id: str
    role: str
    device_id: str
    generation: int


def issue_pair(
    conn: Connection, svc: Services, holder: Holder, family_id: str | None = None
) -> TokenPair:
    refresh = new_opaque_token()
    conn.execute(
        insert(refresh_tokens).values(
            token_hash=hash_opaque_token(refresh),
            family_id=family_id or new_id(),
            company_id=holder.company_id,
            user_id=holder.user_id,
            device_id=holder.device_id,
            created_at=now_utc(),
            expires_at=now_utc() + dt.timedelta(days=svc.settings.refresh_token_days),
        )
    )
    access = svc.tokens.issue_access(
        user_id=holder.user_id,
        company_id=holder.company_id,
        role=holder.role,
        device_id=holder.device_id,
        generation=holder.generation,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in_seconds=svc.settings.access_token_seconds,
    )


class ReuseDetected(Exception):
    """A used refresh token came back; its family must be revoked (in its own transaction)."""

    def __init__(self, family_id: str, user_id: str, device_id: str) -> None:
        super().__init__(family_id)
        self.family_id, self.user_id, self.device_id = family_id, user_id, device_id


def rotate(conn: Connection, svc: Services, token: str, device_id: str | None) -> TokenPair:
    row = conn.execute(
        select(refresh_tokens).where(refresh_tokens.c.token_hash == hash_opaque_token(token))
    ).first()
    if row is None or row.device_id != device_id:
        raise Unauthorized("This refresh token is not valid for this device; log in again.")
    if row.used_at is not None or row.revoked_at is not None:
        raise ReuseDetected(row.family_id, row.user_id, row.device_id)
    if row.expires_at <= now_utc():
        raise Unauthorized("The refresh token has expired; log in again.", code="token_expired")
    claimed = conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.token_hash == row.token_hash, refresh_tokens.c.used_at.is_(None))
        .values(used_at=now_utc())
    ).rowcount
    if not claimed:  # a concurrent request used it first
        raise ReuseDetected(row.family_id, row.user_id, row.device_id)
    holder = _holder(conn, row.user_id, row.device_id, row.company_id)
    return issue_pair(conn, svc, holder, family_id=row.family_id)


def _holder(conn: Connection, user_id: str, device_id: str, company_id: str) -> Holder:
    found = conn.execute(
        select(users.c.role, users.c.status, devices.c.revoked_at, devices.c.token_generation)
        .join(devices, devices.c.user_id == users.c.id)
        .where(users.c.id == user_id, devices.c.id == device_id, users.c.company_id == company_id)
    ).first()
    if found is None or found.revoked_at is not None:
        raise Unauthorized("This device was revoked; log in again.", code="token_revoked")
    if found.status != "active":
        raise Forbidden(
            "This account is suspended; ask your company admin.", code="account_suspended"
        )
    return Holder(company_id, user_id, found.role, device_id, int(found.token_generation))


def revoke_family(conn: Connection, family_id: str) -> None:
    conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
