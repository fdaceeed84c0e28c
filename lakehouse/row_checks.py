"""Checking one row against the data contract in plain Python, without Arrow.

An employee's machine checks every row this way before journaling it, so it never needs to load
pyarrow; the rules are those of `lakehouse.validation` (types, nullability, ids, allowed values,
non-negative numbers, plausible timestamps), and the lake checks every row again on ingest.
Problems name columns, never values (values may be window titles or URLs).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from lakehouse.errors import SchemaError
from lakehouse.schema import (
    ALLOWED_VALUES,
    COLUMNS,
    EARLIEST_TS,
    ID_COLUMNS,
    ID_PATTERN,
    MAX_CLOCK_SKEW,
    NON_NEGATIVE,
    Column,
)

_ID: Final = re.compile(ID_PATTERN)
_INT_BITS: Final = {"int16": 16, "int32": 32, "int64": 64}


def _type_problem(column: Column, value: Any) -> str | None:
    wanted = f"column {column.name!r} must hold {column.type}"
    if column.type == "string":
        ok = isinstance(value, str)
    elif column.type == "timestamp":
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return f"{wanted} with a time zone (got a naive datetime; use UTC)"
        ok = isinstance(value, dt.datetime)
    elif column.type == "float32":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif column.type == "bool":
        ok = isinstance(value, bool)
    else:
        limit = 2 ** (_INT_BITS[column.type] - 1)
        ok = isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit
    return None if ok else f"{wanted} (the value has another type or is out of range)"


def _value_problems(row: Mapping[str, Any], now: dt.datetime) -> list[str]:
    problems = []
    for name in (n for n in ID_COLUMNS if isinstance(row.get(n), str)):
        if not _ID.match(row[name]):
            problems.append(f"{name!r} is not an id ([A-Za-z0-9_-]{{1,64}})")
    for name, allowed in ALLOWED_VALUES.items():
        if isinstance(row.get(name), str) and row[name] not in allowed:
            problems.append(f"{name!r} is not one of {', '.join(allowed)}")
    for name in (n for n in NON_NEGATIVE if isinstance(row.get(n), int | float)):
        if isinstance(row[name], float) and math.isnan(row[name]):
            problems.append(f"{name!r} is not a number")
        elif row[name] < 0:
            problems.append(f"{name!r} is negative")
    ts = row.get("ts")
    if isinstance(ts, dt.datetime) and ts.tzinfo is not None:
        if ts > now + MAX_CLOCK_SKEW:
            problems.append("'ts' is more than a day in the future")
        if ts < EARLIEST_TS:
            problems.append("'ts' is before the year 2000")
    return problems


def check_row(table_name: str, row: Mapping[str, Any], now: dt.datetime | None = None) -> None:
    """Raise `SchemaError` listing what is wrong with `row` as a row of `table_name`."""
    columns = COLUMNS.get(table_name)
    if columns is None:
        raise SchemaError(table_name, [f"unknown table; expected one of {sorted(COLUMNS)}"])
    names = {c.name for c in columns}
    problems = [f"unknown column {n!r}" for n in sorted(set(row) - names)]
    problems += [f"missing column {c.name!r}" for c in columns if c.name not in row]
    for column in (c for c in columns if c.name in row):
        value = row[column.name]
        if value is None:
            if not column.nullable:
                problems.append(f"{column.name!r} is empty")
            continue
        problem = _type_problem(column, value)
        if problem:
            problems.append(problem)
    if not problems:
        problems = _value_problems(row, now or dt.datetime.now(dt.UTC))
    if problems:
        raise SchemaError(table_name, problems)
