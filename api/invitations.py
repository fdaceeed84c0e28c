"""Inviting people: a pending user, a one-time token with an expiry, and the mail carrying it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert, select, update

from api.companies import new_id, now_utc
from api.db.tables import invites, team_members, teams, users
from api.deps import Principal
from api.errors import Conflict, Forbidden, NotFound
from api.models.users import InviteCreate
from api.scope import managed_team_ids
from api.security import hash_opaque_token, new_opaque_token


def check_invite_allowed(conn: Connection, principal: Principal, body: InviteCreate) -> None:
    teams_found = set(
        conn.execute(
            select(teams.c.id).where(
                teams.c.company_id == principal.company_id, teams.c.id.in_(body.team_ids)
            )
        ).scalars()
    )
    if missing := set(body.team_ids) - teams_found:
        raise NotFound(f"No team {sorted(missing)[0]} in your company.")
    managed = managed_team_ids(conn, principal)
    if managed is None:
        return
    if body.role != "user":
        raise Forbidden("A sub_admin can invite people with the role 'user' only.")
    if not body.team_ids or not set(body.team_ids) <= managed:
        raise Forbidden("A sub_admin must put new people into teams they manage (team_ids).")


def create_invite(
    conn: Connection, principal: Principal, body: InviteCreate, valid_hours: int
) -> tuple[str, str, dt.datetime]:
    """Create the invited user and their token; returns (user id, token, expiry)."""
    email = body.email.lower()
    if conn.execute(select(users.c.id).where(users.c.email == email)).first():
        raise Conflict(f"{email} already has an account.", code="email_taken")
    user_id = new_id()
    conn.execute(
        insert(users).values(
            id=user_id,
            company_id=principal.company_id,
            email=email,
            name=body.name,
            role=body.role,
            status="invited",
            created_at=now_utc(),
        )
    )
    for team_id in body.team_ids:
        conn.execute(insert(team_members).values(team_id=team_id, user_id=user_id))
    return user_id, *issue_token(conn, principal, user_id, valid_hours)


def issue_token(
    conn: Connection, principal: Principal, user_id: str, valid_hours: int
) -> tuple[str, dt.datetime]:
    """A new one-time token for an invited user; earlier ones stop working."""
    conn.execute(
        update(invites)
        .where(invites.c.user_id == user_id, invites.c.used_at.is_(None))
        .values(used_at=now_utc())
    )
    token = new_opaque_token()
    expires_at = now_utc() + dt.timedelta(hours=valid_hours)
    conn.execute(
        insert(invites).values(
            token_hash=hash_opaque_token(token),
            company_id=principal.company_id,
            user_id=user_id,
            created_by=principal.user_id,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def invite_text(company_name: str, invite_url: str, token: str, expires_at: dt.datetime) -> str:
    return (
        f"You have been invited to {company_name} on TeamTreck.\n\n"
        f"Set your password here: {invite_url}\n"
        f"(or with this invitation code: {token})\n\n"
        f"The invitation expires at {expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
