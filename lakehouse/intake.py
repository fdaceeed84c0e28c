"""Reading landing files and deciding which to accept (no writes; compaction acts on the result).

A landing object of a table is a batch (encrypted Parquet) or one sealed row (a collector's
journaled row, see `lakehouse.sealed_rows`); both become rows of the table's schema here.
Files are read a chunk at a time: each is fetched, size-checked, decrypted and schema-checked on
its own, then the chunk's rows are checked together with vectorized Arrow kernels (ids against
the path, plausible values, image paths), so the per-file cost stays a fraction of a millisecond.
A bad file only ever removes its own rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

from lakehouse import schema
from lakehouse.errors import (
    MissingKeyError,
    ObjectNotFoundError,
    SchemaError,
    StorageError,
    TamperedDataError,
)
from lakehouse.keys import KeyStore
from lakehouse.layout import SEALED_ROW_EXT, LandingKey
from lakehouse.quarantine import Reason, Refused, Rejection
from lakehouse.screening import row_problems
from lakehouse.sealed_rows import open_row
from lakehouse.storage import Store
from lakehouse.validation import conform

MAX_LANDING_BYTES = 32 * 1024 * 1024  # a two-minute batch is a few kB; anything this big is not one


@dataclass(frozen=True)
class Limits:
    """What compaction accepts."""

    max_file_bytes: int = MAX_LANDING_BYTES
    max_path_skew: dt.timedelta = dt.timedelta(hours=36)  # rows vs. the date in the path


@dataclass
class Intake:
    """The outcome of reading one chunk of files: accepted rows, accepted paths, refusals."""

    rows: pa.Table
    accepted: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _classify(data: bytes, error: Exception) -> Rejection:
    text = str(error)
    if isinstance(error, MissingKeyError) or "MissingKeyError" in text or "no private key" in text:
        return Rejection(Reason.UNDECRYPTABLE, "no private key here can open this file")
    if len(data) < 12 or data[:4] not in (b"PAR1", b"PARE") or data[-4:] not in (b"PAR1", b"PARE"):
        return Rejection(Reason.CORRUPT, "not a complete Parquet file (truncated or damaged)")
    if data[-4:] == b"PAR1":
        return Rejection(Reason.NOT_ENCRYPTED, "a plaintext Parquet file; collectors must encrypt")
    return Rejection(Reason.UNDECRYPTABLE, f"decryption failed: {text[:200]}")


def read_file(data: bytes, table_name: str, decryption: pe.FileDecryptionProperties) -> pa.Table:
    """Decrypt one landing file and check its schema; raise `Rejection` when it is unusable."""
    if data[-4:] == b"PAR1" and data[:4] == b"PAR1":  # lake files always encrypt their footer
        raise Rejection(Reason.NOT_ENCRYPTED, "a plaintext Parquet file; collectors must encrypt")
    try:
        # One file is tiny: read its columns on this thread (files are read in parallel instead).
        reader = pq.ParquetFile(pa.BufferReader(data), decryption_properties=decryption)
        table = reader.read(use_threads=False)
    except Exception as e:  # pyarrow raises OSError/ArrowException; our KMS client raises ours
        raise _classify(data, e) from e
    expected = schema.TABLES[table_name]
    if table.schema.remove_metadata() != expected.remove_metadata():
        got = {f.name: str(f.type) for f in table.schema}
        want = {f.name: str(f.type) for f in expected}
        wrong = sorted(set(got.items()) ^ set(want.items()))
        raise Rejection(Reason.WRONG_SCHEMA, f"columns differ from {table_name!r}: {wrong[:6]}")
    return table


def read_sealed_row(data: bytes, path: str, table_name: str, key_store: KeyStore) -> pa.Table:
    """Open one sealed row and return it as a one-row table; raise `Rejection` when unusable."""
    try:
        row = open_row(data, key_store, path)
        return conform(table_name, [row])
    except MissingKeyError as e:
        raise Rejection(Reason.UNDECRYPTABLE, "no private key here can open this sealed row") from e
    except TamperedDataError as e:
        raise Rejection(Reason.CORRUPT, f"the sealed row does not open: {e}") from e
    except SchemaError as e:
        raise Rejection(Reason.WRONG_SCHEMA, "; ".join(e.problems)[:300]) from e


def fetch_all(store: Store, paths: list[str]) -> dict[str, bytes | None]:
    """Fetch many objects at once (concurrently on S3); None for objects gone since listing."""
    if store.is_local or not paths:
        found: dict[str, bytes | None] = {}
        for path in paths:
            try:
                found[path] = store.get_bytes(path)
            except ObjectNotFoundError:
                found[path] = None
        return found
    full = {store.full_path(p): p for p in paths}
    try:
        fetched = store.fs.cat(list(full), on_error="return")
    except OSError as e:
        raise StorageError(f"could not read landing files from {store.url}: {e}") from e
    result: dict[str, bytes | None] = {}
    for full_path, path in full.items():
        data = fetched.get(full_path)
        if isinstance(data, FileNotFoundError) or data is None:
            result[path] = None
        elif isinstance(data, Exception):
            raise StorageError(f"could not read {path!r} from {store.url}: {data}") from data
        else:
            result[path] = bytes(data)
    return result


def _check_size(data: bytes, limits: Limits) -> bytes:
    if len(data) > limits.max_file_bytes:
        raise Rejection(
            Reason.OVERSIZED, f"{len(data)} bytes; at most {limits.max_file_bytes} accepted"
        )
    return data


def read_chunk(
    store: Store,
    table_name: str,
    keys: list[tuple[str, LandingKey]],
    decryption: pe.FileDecryptionProperties,
    limits: Limits,
    now: dt.datetime,
    key_store: KeyStore,
) -> Intake:
    """Read, decrypt and check a chunk of landing files of one table (batches or sealed rows)."""
    tables: list[pa.Table] = []
    good: list[tuple[str, LandingKey]] = []
    refused: list[Refused] = []
    fetched = fetch_all(store, [path for path, _ in keys])
    for path, key in keys:
        data = fetched[path]
        if data is None:
            continue  # deleted since it was listed (e.g. an erasure): nothing to ingest
        try:
            data = _check_size(data, limits)
            if key.ext == SEALED_ROW_EXT:
                tables.append(read_sealed_row(data, path, table_name, key_store))
            else:
                tables.append(read_file(data, table_name, decryption))
            good.append((path, key))
        except Rejection as r:
            refused.append(Refused(path, r.reason, r.detail))
    if not tables:
        return Intake(schema.TABLES[table_name].empty_table(), [], refused)
    rows = pa.concat_tables(tables).combine_chunks()
    counts = np.array([t.num_rows for t in tables])
    file_index = np.repeat(np.arange(len(tables)), counts)
    bad = row_problems(table_name, rows, file_index, [k for _, k in good], limits, now)
    if bad:
        keep = ~np.isin(file_index, np.array(list(bad)))
        rows = rows.filter(pa.array(keep))
    for i, (reason, detail) in sorted(bad.items()):
        refused.append(Refused(good[i][0], reason, detail))
    accepted = [p for i, (p, _) in enumerate(good) if i not in bad]
    return Intake(rows, accepted, refused)
