"""The general request budget: counted in memory, shared through the database.

Counting every request with a database write would put one hot row (`ip:<office NAT>`) in the
path of every request. Instead each process counts locally and, at most every
`sync_seconds`, adds its counts to the shared fixed-window rows and reads back the totals of
every replica. A budget can therefore be overshot by what the replicas admit within one sync
interval — a small, bounded slack for a general budget (login limits stay exact).

A key is shared only once this process has counted `1/SHARE_FROM_FRACTION` of its limit in the
window: a collector's two heartbeats a minute never reach the database, which would otherwise
take one counter write per active person per second (as many writes as the heartbeats
themselves). So N replicas may together admit up to N/SHARE_FROM_FRACTION of a limit more.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections import defaultdict
from typing import Any

import anyio
from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from api.db.tables import rate_counters
from api.errors import TooManyRequests

WINDOW_SECONDS = 60
CLEANUP_PROBABILITY = 0.01
KEEP_SECONDS = 86_400
SHARE_FROM_FRACTION = 8
MESSAGE = "Too many requests; slow down and retry after the time in Retry-After."


class SharedBudget:
    def __init__(self, engine: Engine, sync_seconds: float = 1.0) -> None:
        self._engine = engine
        self._sync_seconds = sync_seconds
        self._lock = threading.Lock()
        self._window = 0
        self._pending: dict[str, int] = defaultdict(int)  # counted here, not yet in the database
        self._share_from: dict[str, int] = {}  # pending count at which a key is shared
        self._shared: dict[str, int] = {}  # every replica's total at the last sync
        self._synced_at = 0.0

    def spend(self, keys_and_limits: list[tuple[str, int]]) -> None:
        """Count one request for each key; 429 when a key is over its per-minute limit."""
        due = self.count(keys_and_limits)
        if due is not None:
            self.sync(*due)
        self.check(keys_and_limits)

    async def spend_async(self, keys_and_limits: list[tuple[str, int]]) -> None:
        """`spend` for the event loop: only the occasional database sync runs in a thread."""
        due = self.count(keys_and_limits)
        if due is not None:
            await anyio.to_thread.run_sync(self.sync, *due)
        self.check(keys_and_limits)

    def count(self, keys_and_limits: list[tuple[str, int]]) -> tuple[int, dict[str, int]] | None:
        """Count locally; returns (window, counts) to sync when a sync is due."""
        now = time.time()
        window = int(now) - int(now) % WINDOW_SECONDS
        with self._lock:
            if window != self._window:
                self._window, self._pending, self._shared = window, defaultdict(int), {}
                self._share_from = {}
            for key, limit in keys_and_limits:
                if limit > 0:  # refused requests count too: hammering keeps you out
                    self._pending[key] += 1
                    self._share_from[key] = max(1, limit // SHARE_FROM_FRACTION)
            if now - self._synced_at < self._sync_seconds or not self._pending:
                return None
            self._synced_at = now
            batch = {
                k: n
                for k, n in self._pending.items()
                if n >= self._share_from[k] or k in self._shared
            }
            for key in batch:
                del self._pending[key]
        return (window, batch) if batch else None

    def check(self, keys_and_limits: list[tuple[str, int]]) -> None:
        with self._lock:
            over = any(
                0 < n < self._shared.get(k, 0) + self._pending.get(k, 0) for k, n in keys_and_limits
            )
            window = self._window
        if over:
            retry = window + WINDOW_SECONDS - int(time.time())
            raise TooManyRequests(MESSAGE, retry_after_seconds=max(retry, 1))

    def sync(self, window: int, batch: dict[str, int]) -> None:
        # Sorted, so replicas upserting the same keys lock them in the same order.
        rows = [{"key": k, "window_start": window, "count": batch[k]} for k in sorted(batch)]
        with self._engine.begin() as conn:
            result = conn.execute(_upsert(conn.dialect.name), rows)
            totals: dict[str, int] = {str(row[0]): int(row[1]) for row in result}
            if random.random() < CLEANUP_PROBABILITY:
                old = window - KEEP_SECONDS
                conn.execute(delete(rate_counters).where(rate_counters.c.window_start < old))
        with self._lock:
            if self._window == window:
                self._shared.update(totals)


@functools.cache
def _upsert(dialect_name: str) -> ReturningInsert[Any]:
    """Add counts to the shared rows; built once, executed with many rows at a time."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(rate_counters)
    upsert: ReturningInsert[Any] = stmt.on_conflict_do_update(
        index_elements=["key", "window_start"],
        set_={"count": rate_counters.c.count + stmt.excluded.count},
    ).returning(rate_counters.c.key, rate_counters.c.count, sort_by_parameter_order=True)
    return upsert
