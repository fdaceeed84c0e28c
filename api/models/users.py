"""People, teams and devices."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from api.models.body import Body
from api.models.ids import ClientId

Role = Literal["company_admin", "sub_admin", "user"]
UserStatus = Literal["invited", "active", "suspended"]


class UserPublic(BaseModel):
    id: str
    company_id: str
    email: str
    name: str
    role: Role
    status: UserStatus
    team_ids: list[str] = Field(default_factory=list)
    created_at: dt.datetime


class InviteCreate(Body):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role = "user"
    team_ids: list[str] = Field(default_factory=list)


class InvitePublic(BaseModel):
    user: UserPublic
    expires_at: dt.datetime
    emailed: bool
    # Shown only when no mail server is configured, so the admin can pass it on.
    invite_token: str | None = None
    invite_url: str | None = None


class UserUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None


class TeamCreate(Body):
    name: str = Field(min_length=1, max_length=200)


class TeamPublic(BaseModel):
    id: str
    name: str
    member_ids: list[str]
    admin_ids: list[str]
    created_at: dt.datetime


class TeamIds(Body):
    user_ids: list[str] = Field(max_length=10_000)


class DeviceInfo(Body):
    """What a collector says about itself at login."""

    id: ClientId
    name: str = Field(default="", max_length=200)
    os: str = Field(default="", max_length=100)
    agent_version: str = Field(default="", max_length=50)


class DevicePublic(BaseModel):
    id: str
    user_id: str
    name: str
    os: str
    agent_version: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None


class CompanyPublic(BaseModel):
    id: str
    name: str
    max_devices_per_user: int
    key_id: str
    public_key: str
    rules_version: int


class CompanyUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    max_devices_per_user: int | None = Field(default=None, ge=1, le=100)
