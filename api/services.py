"""What every request handler needs, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
from sqlalchemy import Engine

from api.budget import SharedBudget
from api.config import Settings
from api.db.engine import build_engine
from api.heartbeats import HeartbeatGroupCommit
from api.mail import Mailer
from api.security import Passwords, TokenService, load_or_create_signing_key

COMMIT_THREADS = 64


@dataclass
class Services:
    settings: Settings
    engine: Engine
    tokens: TokenService
    passwords: Passwords
    mailer: Mailer
    budget: SharedBudget
    heartbeats: HeartbeatGroupCommit  # records the heartbeats that arrive together, together
    # Requests end their transactions on threads of their own: if commits queued behind request
    # threads waiting for the SQLite lock, the holder could never finish (until busy_timeout).
    commit_limiter: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(COMMIT_THREADS)
    )

    @classmethod
    def build(cls, settings: Settings) -> Services:
        key = load_or_create_signing_key(settings.resolved_jwt_key_file())
        url = settings.resolved_database_url()
        engine = build_engine(url)
        return cls(
            settings=settings,
            engine=engine,
            budget=SharedBudget(engine, settings.budget_sync_seconds),
            heartbeats=HeartbeatGroupCommit(engine),
            tokens=TokenService(settings, key),
            passwords=Passwords(settings),
            mailer=Mailer(settings),
        )
