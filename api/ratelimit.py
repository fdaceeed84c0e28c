"""Fixed-window request counters kept in the database, so every replica shares them."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from api.db.tables import rate_counters
from api.errors import TooManyRequests

CLEANUP_PROBABILITY = 0.001
KEEP_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Budget:
    key: str  # e.g. "ip:10.0.0.1", "user:<id>", "login-fail:<email>"
    limit: int  # 0 = unlimited
    window_seconds: int


def _window(budget: Budget, now: int) -> int:
    return now - now % budget.window_seconds


def spend(conn: Connection, budgets: list[Budget], message: str) -> None:
    """Count one request against every budget (one statement); 429 when any is exhausted."""
    active = [b for b in budgets if b.limit > 0]
    if not active:
        return
    now = int(time.time())
    rows = [{"key": b.key, "window_start": _window(b, now), "count": 1} for b in active]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(rate_counters).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": rate_counters.c.count + 1}
    ).returning(rate_counters.c.key, rate_counters.c.count)
    counts = {str(row[0]): int(row[1]) for row in conn.execute(stmt)}
    for b in active:
        if counts.get(b.key, 0) > b.limit:
            retry = _window(b, now) + b.window_seconds - now
            raise TooManyRequests(message, retry_after_seconds=max(retry, 1))
    if random.random() < CLEANUP_PROBABILITY:
        conn.execute(delete(rate_counters).where(rate_counters.c.window_start < now - KEEP_SECONDS))


def remaining_lock_seconds(conn: Connection, budget: Budget) -> int:
    """Seconds until `budget` has room again (0 when it has room now), without spending."""
    if budget.limit <= 0:
        return 0
    now = int(time.time())
    window = _window(budget, now)
    count = conn.execute(
        select(rate_counters.c.count).where(
            rate_counters.c.key == budget.key, rate_counters.c.window_start == window
        )
    ).scalar()
    if count is None or count < budget.limit:
        return 0
    return max(window + budget.window_seconds - now, 1)
