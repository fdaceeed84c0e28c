"""Building the engine: SQLite tuned for many small writes, or PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 5_000


def build_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` URLs use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), SQLITE_BUSY_TIMEOUT_MS)
    # No pre-ping: it costs a round trip per checkout on the heartbeat path; connections
    # broken by a server restart fail one request and are then replaced.
    return create_engine(parsed, pool_size=20, max_overflow=20, pool_recycle=1800)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    engine = create_engine(
        url,
        pool_size=16,
        max_overflow=16,
        connect_args={
            "check_same_thread": False,
            "timeout": busy_timeout_ms / 1000,
            "isolation_level": None,  # SQLAlchemy emits BEGIN itself (below)
        },
    )

    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside the writer; NORMAL sync is safe in WAL (no corruption,
        # at worst the last commits are lost on power failure).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with "database is locked" instead of waiting out busy_timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
