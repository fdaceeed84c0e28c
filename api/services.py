"""What every request handler needs, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from api.config import Settings
from api.db.engine import build_engine
from api.mail import Mailer
from api.security import Passwords, TokenService, load_or_create_signing_key


@dataclass
class Services:
    settings: Settings
    engine: Engine
    tokens: TokenService
    passwords: Passwords
    mailer: Mailer

    @classmethod
    def build(cls, settings: Settings) -> Services:
        key = load_or_create_signing_key(settings.resolved_jwt_key_file())
        return cls(
            settings=settings,
            engine=build_engine(settings.resolved_database_url()),
            tokens=TokenService(settings, key),
            passwords=Passwords(settings),
            mailer=Mailer(settings),
        )
