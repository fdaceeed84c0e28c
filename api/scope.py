"""Who may see whom: every lookup is scoped to the caller's company, and a sub_admin to the
members of the teams they were given. Things outside the scope are reported as not found."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Row, select

from api.db.tables import team_admins, team_members, users
from api.deps import Principal
from api.errors import NotFound
from api.models.users import UserPublic


def managed_team_ids(conn: Connection, principal: Principal) -> set[str] | None:
    """None means every team of the company (company_admin)."""
    if principal.role == "company_admin":
        return None
    rows = conn.execute(
        select(team_admins.c.team_id).where(team_admins.c.user_id == principal.user_id)
    )
    return set(rows.scalars())


def visible_user_ids(conn: Connection, principal: Principal) -> set[str] | None:
    """Users an admin may see and manage; None means everyone in the company."""
    teams = managed_team_ids(conn, principal)
    if teams is None:
        return None
    rows = conn.execute(select(team_members.c.user_id).where(team_members.c.team_id.in_(teams)))
    return set(rows.scalars())


def visible_user(conn: Connection, principal: Principal, user_id: str) -> Row[tuple[object, ...]]:
    """The user row, if `principal` (an admin) may see it; NotFound otherwise."""
    row = conn.execute(
        select(users).where(users.c.id == user_id, users.c.company_id == principal.company_id)
    ).first()
    allowed = visible_user_ids(conn, principal)
    if row is None or (allowed is not None and user_id not in allowed):
        raise NotFound(f"No user {user_id} in your company (or not in the teams you manage).")
    return row


def user_public(conn: Connection, row: Row[tuple[object, ...]]) -> UserPublic:
    return users_public(conn, [row])[0]


def users_public(conn: Connection, rows: Iterable[Row[tuple[object, ...]]]) -> list[UserPublic]:
    rows = list(rows)
    memberships: dict[str, list[str]] = {}
    ids = [r.id for r in rows]
    for user_id, team_id in conn.execute(
        select(team_members.c.user_id, team_members.c.team_id).where(
            team_members.c.user_id.in_(ids)
        )
    ):
        memberships.setdefault(user_id, []).append(team_id)
    return [
        UserPublic(
            id=r.id,
            company_id=r.company_id,
            email=r.email,
            name=r.name,
            role=r.role,
            status=r.status,
            team_ids=sorted(memberships.get(r.id, [])),
            created_at=r.created_at,
        )
        for r in rows
    ]
