"""What collectors call every 30 s: the heartbeat (presence in, pending commands out) and acks.

The heartbeat is the hot path: no password hashing, a cached token check, no database work
for the request budget, and the database work of `api.presence`.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select, update

from api.companies import now_utc
from api.db.tables import commands
from api.deps import CurrentUser, DbSession, Svc, TokenClaims
from api.devices import sign_out_device
from api.errors import NotFound, responses
from api.models.agent import Heartbeat, HeartbeatResponse
from api.presence import answer_heartbeat

router = APIRouter(prefix="/agent", tags=["agent"])


@router.post(
    "/heartbeat", response_model=HeartbeatResponse, responses=responses(401, 403, 422, 429)
)
async def heartbeat(body: Heartbeat, claims: TokenClaims, svc: Svc) -> Response:
    """Report status; the answer carries the rules version and commands until acknowledged.

    A `new_rules` command (id 0, nothing to acknowledge) appears while the heartbeat's
    `rules_version` is older than the company's.
    """
    answer = await answer_heartbeat(svc, claims, body)
    # Serialized once here: returning the model would make FastAPI validate it again.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post(
    "/commands/{command_id}/ack",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
)
def ack(command_id: int, principal: CurrentUser, conn: DbSession) -> None:
    """Acknowledge a command; acknowledging force_logout signs the device out."""
    row = conn.execute(
        select(commands).where(
            commands.c.id == command_id,
            commands.c.user_id == principal.user_id,
            commands.c.device_id == principal.device_id,
            commands.c.company_id == principal.company_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"No command {command_id} for this device.")
    if row.acked_at is None:
        conn.execute(update(commands).where(commands.c.id == command_id).values(acked_at=now_utc()))
        if row.kind == "force_logout":
            sign_out_device(conn, principal.user_id, principal.device_id, revoke=False)
