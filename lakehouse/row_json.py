"""Rows as JSON: how one row travels without Arrow (sealed rows, a batch handed to its writer).

A row is a JSON object of its columns; times are ISO 8601 text with their UTC offset (to the
microsecond, as the lake keeps them), everything else is a JSON value. Reading turns the
columns the data contract types as timestamps back into datetimes; checking the row is left to
the reader (`lakehouse.row_checks`, or `lakehouse.validation` with Arrow).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from lakehouse.errors import SchemaError
from lakehouse.schema import COLUMNS


def row_to_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the row with its datetimes as ISO 8601 text (ready for `json.dumps`)."""
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}


def row_from_json(table_name: str, value: Any) -> dict[str, Any]:
    """Return a row of `table_name` read back from JSON; raise `SchemaError` if it is not one."""
    columns = COLUMNS.get(table_name)
    if columns is None:
        raise SchemaError(table_name, [f"unknown table; expected one of {sorted(COLUMNS)}"])
    if not isinstance(value, dict):
        raise SchemaError(table_name, ["a row must be a JSON object of its columns"])
    row = dict(value)
    for column in (c for c in columns if c.type == "timestamp"):
        text = row.get(column.name)
        if isinstance(text, str):
            try:
                row[column.name] = dt.datetime.fromisoformat(text)
            except ValueError:
                raise SchemaError(
                    table_name, [f"column {column.name!r} must hold an ISO 8601 time"]
                ) from None
    return row


def dumps_row(row: Mapping[str, Any]) -> bytes:
    """Return one row as compact UTF-8 JSON."""
    return json.dumps(row_to_json(row), separators=(",", ":"), ensure_ascii=False).encode()


def loads_row(table_name: str, data: bytes) -> dict[str, Any]:
    """Return the row `dumps_row` wrote; raise `SchemaError` if `data` is not one."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise SchemaError(table_name, ["the row is not valid JSON"]) from None
    return row_from_json(table_name, value)
