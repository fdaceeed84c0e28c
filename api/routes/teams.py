"""Teams: company_admins create them and choose their sub_admins; sub_admins manage members."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from api.companies import new_id, now_utc
from api.db.tables import team_admins, team_members, teams, users
from api.deps import CompanyAdmin, CurrentAdmin, DbSession, Principal
from api.errors import Conflict, Invalid, NotFound, responses
from api.models.users import TeamCreate, TeamIds, TeamPublic
from api.scope import managed_team_ids, visible_user_ids

router = APIRouter(prefix="/teams", tags=["teams"])


def _team(conn: Connection, principal: Principal, team_id: str) -> TeamPublic:
    row = conn.execute(
        select(teams).where(teams.c.id == team_id, teams.c.company_id == principal.company_id)
    ).first()
    managed = managed_team_ids(conn, principal)
    if row is None or (managed is not None and team_id not in managed):
        raise NotFound(f"No team {team_id} in your company (or not one you manage).")
    members = conn.execute(select(team_members.c.user_id).where(team_members.c.team_id == team_id))
    admins = conn.execute(select(team_admins.c.user_id).where(team_admins.c.team_id == team_id))
    return TeamPublic(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        member_ids=sorted(members.scalars()),
        admin_ids=sorted(admins.scalars()),
    )


@router.get("", response_model=list[TeamPublic], responses=responses(401, 403, 429))
def list_teams(principal: CurrentAdmin, conn: DbSession) -> list[TeamPublic]:
    query = select(teams.c.id).where(teams.c.company_id == principal.company_id)
    managed = managed_team_ids(conn, principal)
    if managed is not None:
        query = query.where(teams.c.id.in_(managed))
    return [_team(conn, principal, t) for t in conn.execute(query.order_by(teams.c.name)).scalars()]


@router.post(
    "", response_model=TeamPublic, status_code=201, responses=responses(401, 403, 409, 422, 429)
)
def create_team(body: TeamCreate, principal: CompanyAdmin, conn: DbSession) -> TeamPublic:
    if conn.execute(
        select(teams.c.id).where(
            teams.c.company_id == principal.company_id, teams.c.name == body.name
        )
    ).first():
        raise Conflict(f"A team named {body.name!r} exists already; choose another name.")
    team_id = new_id()
    conn.execute(
        insert(teams).values(
            id=team_id, company_id=principal.company_id, name=body.name, created_at=now_utc()
        )
    )
    return _team(conn, principal, team_id)


@router.patch(
    "/{team_id}", response_model=TeamPublic, responses=responses(401, 403, 404, 409, 422, 429)
)
def rename_team(
    team_id: str, body: TeamCreate, principal: CompanyAdmin, conn: DbSession
) -> TeamPublic:
    _team(conn, principal, team_id)
    try:
        with conn.begin_nested():
            conn.execute(update(teams).where(teams.c.id == team_id).values(name=body.name))
    except IntegrityError as e:
        raise Conflict(f"A team named {body.name!r} exists already; choose another name.") from e
    return _team(conn, principal, team_id)


@router.delete(
    "/{team_id}", status_code=204, response_class=Response, responses=responses(401, 403, 404, 429)
)
def delete_team(team_id: str, principal: CompanyAdmin, conn: DbSession) -> None:
    _team(conn, principal, team_id)
    conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
    conn.execute(delete(team_admins).where(team_admins.c.team_id == team_id))
    conn.execute(delete(teams).where(teams.c.id == team_id))


def _company_users(conn: Connection, principal: Principal, user_ids: list[str]) -> list[str]:
    found = conn.execute(
        select(users.c.id, users.c.role).where(
            users.c.company_id == principal.company_id, users.c.id.in_(user_ids)
        )
    ).all()
    if missing := set(user_ids) - {r.id for r in found}:
        raise NotFound(f"No user {sorted(missing)[0]} in your company.")
    return sorted(set(user_ids))


@router.put(
    "/{team_id}/members", response_model=TeamPublic, responses=responses(401, 403, 404, 422, 429)
)
def set_members(
    team_id: str, body: TeamIds, principal: CurrentAdmin, conn: DbSession
) -> TeamPublic:
    """Replace the team's members (a sub_admin may only use people they already manage)."""
    _team(conn, principal, team_id)
    wanted = _company_users(conn, principal, body.user_ids)
    allowed = visible_user_ids(conn, principal)
    if allowed is not None and not set(wanted) <= allowed:
        raise NotFound("Some of these people are not in the teams you manage.")
    conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
    for user_id in wanted:
        conn.execute(insert(team_members).values(team_id=team_id, user_id=user_id))
    return _team(conn, principal, team_id)


@router.put(
    "/{team_id}/admins", response_model=TeamPublic, responses=responses(401, 403, 404, 422, 429)
)
def set_admins(team_id: str, body: TeamIds, principal: CompanyAdmin, conn: DbSession) -> TeamPublic:
    """Choose the sub_admins who manage this team."""
    _team(conn, principal, team_id)
    wanted = _company_users(conn, principal, body.user_ids)
    found = conn.execute(select(users.c.id, users.c.role).where(users.c.id.in_(wanted)))
    roles = {str(row[0]): str(row[1]) for row in found}
    if not_sub := [u for u in wanted if roles[u] != "sub_admin"]:
        raise Invalid(f"User {not_sub[0]} is not a sub_admin; change their role first.")
    conn.execute(delete(team_admins).where(team_admins.c.team_id == team_id))
    for user_id in wanted:
        conn.execute(insert(team_admins).values(team_id=team_id, user_id=user_id))
    return _team(conn, principal, team_id)
