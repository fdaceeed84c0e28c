"""What compaction has already ingested, so a re-run does nothing new.

One small plaintext Parquet file per compaction run and landing partition::

    ledger/<table>/company=<c>/date=<YYYY-MM-DD>/<run>.parquet   (column: path)

It names landing paths only (ids, never content). Curated rows are written before the ledger,
so a crash in between makes the next run read those files again; deduplication against the
curated partition then keeps every row counted once.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse.storage import Store

LEDGER = "ledger"


def ledger_prefix(table_name: str, company_id: str, day: dt.date) -> str:
    """Return the folder of one landing partition's ledger files."""
    return f"{LEDGER}/{table_name}/company={company_id}/date={day.isoformat()}"


def read_paths(store: Store, ledger_file: str) -> list[str]:
    """Return the landing paths one ledger file names."""
    table = pq.read_table(io.BytesIO(store.get_bytes(ledger_file)), columns=["path"])
    return [str(p) for p in table["path"].to_pylist()]


def read_ingested(store: Store, table_name: str, company_id: str, day: dt.date) -> set[str]:
    """Return the landing paths of one partition that earlier runs ingested."""
    done: set[str] = set()
    for path in store.find(ledger_prefix(table_name, company_id, day)):
        done.update(read_paths(store, path))
    return done


def record_ingested(
    store: Store, table_name: str, company_id: str, day: dt.date, paths: list[str], now: dt.datetime
) -> None:
    """Remember that `paths` were ingested (one new ledger file; nothing when `paths` is empty)."""
    if not paths:
        return
    sink = io.BytesIO()
    pq.write_table(
        pa.table({"path": pa.array(sorted(paths), pa.string())}), sink, compression="zstd"
    )
    name = f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.parquet"
    store.put_bytes(f"{ledger_prefix(table_name, company_id, day)}/{name}", sink.getvalue())


def forget_user(store: Store, company_id: str, user_id: str) -> int:
    """Drop one user's landing paths from every ledger of the company; return how many."""
    marker = f"/company={company_id}/user={user_id}/"
    removed = 0
    for path in store.find(LEDGER):
        if f"/company={company_id}/" not in path:
            continue
        paths = read_paths(store, path)
        kept = [p for p in paths if marker not in p]
        if len(kept) == len(paths):
            continue
        removed += len(paths) - len(kept)
        if kept:
            sink = io.BytesIO()
            pq.write_table(pa.table({"path": pa.array(kept, pa.string())}), sink)
            store.put_bytes(path, sink.getvalue())
        else:
            store.delete([path])
    return removed
