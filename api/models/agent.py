"""Heartbeats, commands, presence and storage grants: what collectors talk about."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.models.body import Body
from api.models.ids import ClientId


class Heartbeat(Body):
    status: Literal["working", "paused", "idle", "stopped"]
    session_id: ClientId | None = None
    queue_sizes: dict[str, int] = Field(default_factory=dict, max_length=20)
    agent_version: str = Field(default="", max_length=50)
    current_app: str | None = Field(default=None, max_length=200)  # only where rules allow
    rules_version: int | None = None


class Command(BaseModel):
    id: int
    kind: Literal["force_logout", "end_session", "new_rules"]
    payload: dict[str, Any]
    created_at: dt.datetime


class HeartbeatResponse(BaseModel):
    server_time: dt.datetime
    rules_version: int
    commands: list[Command]


class PresencePublic(BaseModel):
    user_id: str
    device_id: str
    online: bool
    status: str | None
    current_app: str | None
    session_id: str | None
    last_seen_at: dt.datetime | None


class S3Credentials(BaseModel):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: dt.datetime


class StorageGrant(BaseModel):
    kind: Literal["local", "s3"]
    lake_url: str  # root of the lake: file:///… or s3://bucket/prefix
    landing_prefix: str  # relative to lake_url: where this user may write
    company_id: str
    user_id: str
    key_id: str
    public_key: str  # lakehouse CompanyPublicKey.to_text()
    endpoint_url: str | None = None
    region: str | None = None
    credentials: S3Credentials | None = None
    expires_at: dt.datetime | None = None


class AccessCreate(Body):
    subject_user_id: str = Field(min_length=1, max_length=64)
    resource: Literal["timeline", "screenshots", "activity", "sessions", "apps"]
    detail: str = Field(default="", max_length=400)


class AccessPublic(BaseModel):
    viewer_id: str
    viewer_name: str
    subject_user_id: str
    resource: str
    detail: str
    viewed_at: dt.datetime


class CommandCreated(BaseModel):
    id: int
    kind: str
    user_id: str
    device_id: str
    created_at: dt.datetime
