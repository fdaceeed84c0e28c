"""Login, token refresh, invitations."""

from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from api.models.body import Body
from api.models.rules import RulesPublic
from api.models.users import CompanyPublic, DeviceInfo, UserPublic


class LoginRequest(Body):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)
    device: DeviceInfo | None = None  # None: a web sign-in (dashboards), no device slot used


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in_seconds: int


class LoginResponse(TokenPair):
    device_id: str  # send it as X-Device-ID (the collector's own id, or one made for the web)
    user: UserPublic
    company: CompanyPublic
    rules: RulesPublic


class RefreshRequest(Body):
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutRequest(Body):
    refresh_token: str | None = Field(default=None, max_length=200)


class AcceptInvite(Body):
    token: str = Field(min_length=10, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
