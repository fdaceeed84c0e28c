"""Writing small landing data for the reading side's tests (a plain module tests import)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from lakehouse.crypto.pme import write_encrypted
from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import landing_path
from lakehouse.simulate import SimulationReport, Workday, generate_day, user_ids, write_day
from lakehouse.storage import Store
from lakehouse.validation import schema_for

DAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
# One hour of work in 10-second samples: 30 two-minute batches per person.
SHORT_DAY = Workday(workday_seconds=3600, screenshots_per_hour=3)


def write_simulated(
    store: Store,
    public_key: CompanyPublicKey,
    users: int = 2,
    day: dt.date = DAY,
    seed: int = 1,
    work: Workday = SHORT_DAY,
) -> SimulationReport:
    """Write one short simulated day of `users` people to the landing area."""
    data = generate_day(public_key.company_id, user_ids(users), day, seed, work)
    return write_day(store, public_key, data, workers=2)


def put_raw(
    store: Store,
    public_key: CompanyPublicKey,
    table_name: str,
    rows: list[dict[str, Any]] | pa.Table,
    user_id: str = "ada",
    day: dt.date | None = None,
    object_id: str = "raw",
) -> str:
    """Encrypt rows WITHOUT validating them (as a forger would) and put them in landing."""
    table = (
        rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema_for(table_name))
    )
    day = day or dt.datetime.now(dt.UTC).date()
    path = landing_path(table_name, public_key.company_id, user_id, day, object_id, "parquet")
    store.put_bytes(path, write_encrypted(table, public_key))
    return path
