"""What every request handler needs, built once per app from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.budget import SharedBudget
from api.config import Settings
from api.db.engine import build_engine
from api.heartbeats import HeartbeatGroupCommit
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
    nowait_engine: Engine | None  # SQLite only: fails at once rather than wait for the lock
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
        nowait = (
            build_engine(url, sqlite_busy_timeout_ms=0) if engine.dialect.name == "sqlite" else None
        )
        return cls(
            settings=settings,
            engine=engine,
            budget=SharedBudget(engine, settings.budget_sync_seconds),
            autocommit_engine=engine.execution_options(isolation_level="AUTOCOMMIT"),
            nowait_engine=nowait,
            heartbeats=HeartbeatGroupCommit(engine),
            tokens=TokenService(settings, key),
            passwords=Passwords(settings),
            mailer=Mailer(settings),
        )

    async def run_short(self, work: Callable[[Engine], T]) -> T:
        """Run a few indexed statements, handing `work` the engine to use.

        On SQLite they run inline on the event loop (microseconds, less than a hop to a thread
        and back) through an engine that never waits for the write lock; when another request
        holds it, `work` is retried in a worker thread that may wait. Blocking the loop on the
        lock could deadlock: the holder may need the loop to finish. A network database always
        runs in a thread, in autocommit mode (one statement, one round trip).
        """
        if self.nowait_engine is None:
            return await anyio.to_thread.run_sync(work, self.autocommit_engine)
        try:
            return work(self.nowait_engine)
        except OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
        return await anyio.to_thread.run_sync(work, self.engine)
