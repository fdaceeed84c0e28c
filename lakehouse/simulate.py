"""`teamtreck lake simulate`: realistic landing data for demos, tests and benchmarks.

`simulate` generates each day with `lakehouse.workday` (vectorized), validates it once with the
contract's rules, and writes it the way collectors do: one encrypted Parquet file per two-minute
batch (`lakehouse.crypto.pme.write_encrypted`, the writer's own encryption, with only the
company's public key) and one sealed object per screenshot image. Deterministic for a seed.

Example::

    simulate(open_store(), key_store.current_public_key("acme"), users=50, days=3,
             start_day=dt.date(2026, 11, 2), seed=7)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from lakehouse.crypto.envelope import seal_image
from lakehouse.crypto.pme import write_encrypted
from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import landing_path
from lakehouse.storage import Store
from lakehouse.validation import validate_table
from lakehouse.workday import BATCH_SAMPLES, DayData, Workday, generate_day, user_ids

__all__ = ["SimulationReport", "Workday", "generate_day", "simulate", "user_ids", "write_day"]


@dataclass
class SimulationReport:
    """What `simulate` wrote."""

    files: int = 0
    images: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _user_slices(table: pa.Table) -> dict[str, pa.Table]:
    users = table["user_id"].to_numpy(zero_copy_only=False)
    if users.size == 0:
        return {}
    names, starts = np.unique(users, return_index=True)
    order = np.argsort(starts)
    names, starts = names[order], starts[order]
    ends = np.append(starts[1:], users.size)
    return {str(n): table.slice(s, e - s) for n, s, e in zip(names, starts, ends, strict=True)}


def _write_user(
    store: Store, public_key: CompanyPublicKey, data: DayData, user: str, parts: dict[str, pa.Table]
) -> int:
    # The day was validated as a whole (`write_day`); each batch is encrypted exactly as the
    # collector's writer does it, with the public key only.
    company = public_key.company_id
    files = 0
    for name, rows in parts.items():
        # Activity goes in two-minute batches; a day's screenshot rows or session events in one.
        step = BATCH_SAMPLES if name == "activity" else max(1, rows.num_rows)
        for start in range(0, rows.num_rows, step):
            batch = rows.slice(start, step)
            batch_id = batch["batch_id"][0].as_py()
            path = landing_path(name, company, user, data.day, batch_id, "parquet")
            # Simulated data can be made again: no fsync per object (still atomic).
            store.put_bytes(path, write_encrypted(batch, public_key), durable=False)
            files += 1
    shots = parts.get("screenshots")
    for path in shots["object_path"].to_pylist() if shots else []:
        store.put_bytes(path, seal_image(data.images[path], public_key, path), durable=False)
    return files


def write_day(
    store: Store,
    public_key: CompanyPublicKey,
    data: DayData,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Write one generated day to the landing area, one two-minute batch per file."""
    per_table = {
        name: _user_slices(validate_table(name, getattr(data, name)))
        for name in ("activity", "screenshots", "sessions")
    }
    users = list(per_table["activity"])
    report = SimulationReport(images=len(data.images))
    report.rows = {name: getattr(data, name).num_rows for name in per_table}

    def write(user: str) -> int:
        parts = {name: slices[user] for name, slices in per_table.items() if user in slices}
        return _write_user(store, public_key, data, user, parts)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        for files in pool.map(write, users):
            report.files += files
            if progress:
                progress(files)
    return report


def simulate(
    store: Store,
    public_key: CompanyPublicKey,
    *,
    users: int,
    days: int,
    start_day: dt.date,
    seed: int = 0,
    work: Workday | None = None,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Write `days` days of `users` simulated employees of the key's company to the landing area."""
    started = time.perf_counter()
    total = SimulationReport(rows=dict.fromkeys(("activity", "screenshots", "sessions"), 0))
    names = user_ids(users)
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        data = generate_day(public_key.company_id, names, day, seed, work)
        report = write_day(store, public_key, data, workers, progress)
        total.files += report.files
        total.images += report.images
        for name, count in report.rows.items():
            total.rows[name] += count
    total.seconds = time.perf_counter() - started
    return total
