"""Checking records against the data contract, on write and again on ingest.

Problems are described by column and row count only: never by value, because values may be
window titles or URLs that must not reach logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from lakehouse import schema
from lakehouse.errors import SchemaError
from lakehouse.schema import (
    ALLOWED_VALUES,
    EARLIEST_TS,
    ID_COLUMNS,
    ID_PATTERN,
    MAX_CLOCK_SKEW,
    NON_NEGATIVE,
    SCHEMA_VERSION,
)

Rows: TypeAlias = pa.Table | Sequence[dict[str, Any]]


def schema_for(table_name: str) -> pa.Schema:
    """Return the schema of a table, with the lake's file metadata attached."""
    if table_name not in schema.COLUMNS:
        raise SchemaError(table_name, [f"unknown table; expected one of {sorted(schema.COLUMNS)}"])
    metadata = {"teamtreck.table": table_name, "teamtreck.schema_version": str(SCHEMA_VERSION)}
    return schema.TABLES[table_name].with_metadata(metadata)


def conform(table_name: str, rows: Rows) -> pa.Table:
    """Return `rows` as an Arrow table with exactly the table's schema, or raise `SchemaError`."""
    schema = schema_for(table_name)
    if isinstance(rows, pa.Table):
        names, columns = set(rows.column_names), {n: rows[n] for n in rows.column_names}
    else:
        names = {key for row in rows for key in row}
        columns = {n: [row.get(n) for row in rows] for n in schema.names}
    problems = [f"unknown column {n!r}" for n in sorted(names - set(schema.names))]
    problems += [f"missing column {n!r}" for n in schema.names if n not in names]
    arrays = []
    for field in schema:
        if field.name in names:
            array, problem = _convert(field, columns[field.name])
            arrays.append(array)
            problems += [problem] if problem else []
    if problems:
        raise SchemaError(table_name, problems)
    return pa.Table.from_arrays(arrays, schema=schema)


def _naive(value: Any) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is None


def _naive_type(arrow_type: pa.DataType) -> bool:
    return pa.types.is_timestamp(arrow_type) and arrow_type.tz is None


def _convert(field: pa.Field, values: Any) -> tuple[Any, str | None]:
    wanted = f"column {field.name!r} must hold {field.type}"
    is_timestamp = pa.types.is_timestamp(field.type)
    if is_timestamp and isinstance(values, list) and any(_naive(v) for v in values):
        return None, f"{wanted} with a time zone (got naive datetimes; use UTC)"
    if is_timestamp and isinstance(values, pa.ChunkedArray) and _naive_type(values.type):
        return None, f"{wanted} (got timestamps without a time zone; use UTC)"
    try:
        if isinstance(values, list):
            return pa.array(values, type=field.type), None
        return values.cast(field.type, safe=True).combine_chunks(), None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None, f"{wanted} (some values have another type)"


def _masks(table: pa.Table, now: dt.datetime) -> list[tuple[str, Any]]:
    names = set(table.column_names)
    found = [
        (f"{f.name!r} is empty", pc.is_null(table[f.name])) for f in table.schema if not f.nullable
    ]
    for name in (n for n in ID_COLUMNS if n in names):
        bad = pc.invert(pc.match_substring_regex(table[name], ID_PATTERN))
        found.append((f"{name!r} is not an id ([A-Za-z0-9_-]{{1,64}})", bad))
    for name, allowed in ((n, a) for n, a in ALLOWED_VALUES.items() if n in names):
        bad = pc.invert(pc.is_in(table[name], pa.array(allowed)))
        found.append((f"{name!r} is not one of {', '.join(allowed)}", bad))
    for name in (n for n in NON_NEGATIVE if n in names):
        found.append((f"{name!r} is negative", pc.less(table[name], 0)))
        if pa.types.is_floating(table.schema.field(name).type):
            found.append((f"{name!r} is not a number", pc.is_nan(table[name])))
    ts_type = table.schema.field("ts").type
    latest = pa.scalar(now + MAX_CLOCK_SKEW, type=ts_type)
    found.append(("'ts' is more than a day in the future", pc.greater(table["ts"], latest)))
    earliest = pa.scalar(EARLIEST_TS, type=ts_type)
    found.append(("'ts' is before the year 2000", pc.less(table["ts"], earliest)))
    return found


def invalid_rows(table: pa.Table, now: dt.datetime | None = None) -> list[tuple[str, pa.Array]]:
    """Return (problem, mask of offending rows) for each check some row fails.

    `table` must already have a table's schema (see `conform`).
    """
    now = now or dt.datetime.now(dt.UTC)
    result = []
    for problem, mask in _masks(table, now):
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            result.append((problem, mask))
    return result


def valid_row_mask(table: pa.Table, now: dt.datetime | None = None) -> pa.Array:
    """Return a boolean mask of the rows that pass every check (for per-row quarantine)."""
    valid = pa.array([True] * table.num_rows, type=pa.bool_())
    for _problem, mask in invalid_rows(table, now):
        valid = pc.and_(valid, pc.invert(mask))
    return valid


def validate_table(table_name: str, rows: Rows, now: dt.datetime | None = None) -> pa.Table:
    """Conform `rows` to the schema and check every value rule; raise `SchemaError` if any fails.

    Rules: types and nullability, ids usable in paths, status/kind/format values, non-negative
    counts and durations, `ts` between 2000 and one day from `now`.
    """
    table = conform(table_name, rows)
    problems = [
        f"{problem} in {pc.sum(mask).as_py()} of {table.num_rows} rows"
        for problem, mask in invalid_rows(table, now)
    ]
    if problems:
        raise SchemaError(table_name, problems)
    return table
