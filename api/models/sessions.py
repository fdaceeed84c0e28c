"""Work sessions and their events."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.models.body import Body
from api.models.ids import ClientId

SessionState = Literal["active", "paused", "ended"]


class SessionStart(Body):
    id: ClientId
    event_id: ClientId
    ts: AwareDatetime  # the client's clock


class SessionChange(Body):
    event_id: ClientId
    ts: AwareDatetime


class SessionEnd(SessionChange):
    summary: dict[str, Any] = Field(default_factory=dict)


class SessionEventCreate(SessionChange):
    kind: Literal["idle_start", "idle_end"]


class SessionPublic(BaseModel):
    id: str
    user_id: str
    device_id: str
    state: SessionState
    started_at: dt.datetime
    ended_at: dt.datetime | None
    ended_by: str | None
    summary: dict[str, Any] | None


class SessionEventRow(BaseModel):
    """One row of lakehouse.schema.SESSIONS (batch_id is the export's id for the day)."""

    event_id: str
    batch_id: str
    company_id: str
    user_id: str
    device_id: str
    session_id: str
    ts: dt.datetime
    kind: str


class SessionExport(BaseModel):
    company_id: str
    date: dt.date
    rows: list[SessionEventRow]
