"""Monitoring rules: everyone reads their company's; company_admins replace them (versioned)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.companies import current_rules, save_rules
from api.db.tables import teams
from api.deps import CompanyAdmin, CurrentUser, DbSession
from api.errors import Invalid, responses
from api.models.rules import RulesDocument, RulesPublic

router = APIRouter(prefix="/rules", tags=["rules"])


@router.get("", response_model=RulesPublic, responses=responses(401, 403, 429))
def get_rules(principal: CurrentUser, conn: DbSession) -> RulesPublic:
    """The company's current rules (what the collector applies on the device)."""
    return current_rules(conn, principal.company_id)


@router.put("", response_model=RulesPublic, responses=responses(401, 403, 422, 429))
def put_rules(body: RulesDocument, principal: CompanyAdmin, conn: DbSession) -> RulesPublic:
    """Replace the rules; the version goes up and collectors pick it up at their next heartbeat."""
    overrides = set(body.productivity.team_overrides)
    if overrides:
        known = set(
            conn.execute(
                select(teams.c.id).where(
                    teams.c.company_id == principal.company_id, teams.c.id.in_(overrides)
                )
            ).scalars()
        )
        if unknown := overrides - known:
            raise Invalid(
                f"productivity.team_overrides names team {sorted(unknown)[0]}, which "
                "is not a team of your company."
            )
    return save_rules(conn, principal.company_id, body, principal.user_id)
