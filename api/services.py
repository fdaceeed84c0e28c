"""What every request handler needs, built once per app from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
from sqlalchemy import Engine

from api.budget import SharedBudget
from api.config import Settings
from api.db.engine import build_engine
from api.mail import Mailer
from api.security import Passwords, TokenService, load_or_create_signing_key

T = TypeVar("T")
COMMIT_THREADS = 64


@dataclass
class Services:
    settings: Settings
    engine: Engine
    tokens: TokenService
    passwords: Passwords
    mailer: Mailer
    budget: SharedBudget
    autocommit_engine: Engine  # the same pool; single statements without BEGIN/COMMIT
    # Requests end their transactions on threads of their own: if commits queued behind request
    # threads waiting for the SQLite lock, the holder could never finish (until busy_timeout).
    commit_limiter: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(COMMIT_THREADS)
    )

    @classmethod
    def build(cls, settings: Settings) -> Services:
        key = load_or_create_signing_key(settings.resolved_jwt_key_file())
        engine = build_engine(settings.resolved_database_url())
        return cls(
            settings=settings,
            engine=engine,
            budget=SharedBudget(engine, settings.budget_sync_seconds),
            autocommit_engine=engine.execution_options(isolation_level="AUTOCOMMIT"),
            tokens=TokenService(settings, key),
            passwords=Passwords(settings),
            mailer=Mailer(settings),
        )

    async def run_short(self, work: Callable[[], T]) -> T:
        """Run a few indexed statements: inline on SQLite, in a worker thread otherwise.

        SQLite statements take microseconds in-process, less than handing work to a thread
        and back; a network database may stall, so it never blocks the event loop.
        """
        if self.engine.dialect.name == "sqlite":
            return work()
        return await anyio.to_thread.run_sync(work)
