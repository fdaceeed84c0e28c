"""Alembic environment: the engine comes from `api.db.migrate` (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from api.db.tables import metadata

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
