"""The data contract: the columns of each table and the rules their values follow, versioned.

The columns are described here in plain Python (`COLUMNS`), so an employee's machine can check a
row without loading Arrow (`lakehouse.row_checks`). The Arrow schemas built from them
(`ACTIVITY`, `SCREENSHOTS`, `SESSIONS`, `TABLES`, `UTC_TS`) are made on first use.

Every file written to the lake carries its table name and schema version in the Parquet
key-value metadata (`teamtreck.table`, `teamtreck.schema_version`), so readers can tell what
they hold without trusting the path.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from lakehouse.layout import IMAGE_FORMATS

if TYPE_CHECKING:
    import pyarrow as pa

    ACTIVITY: pa.Schema
    SCREENSHOTS: pa.Schema
    SESSIONS: pa.Schema
    TABLES: dict[str, pa.Schema]
    UTC_TS: pa.TimestampType

SCHEMA_VERSION: Final = 1
# Column types, named as Arrow names them; "timestamp" is microseconds in UTC.
COLUMN_TYPES: Final = ("string", "timestamp", "float32", "int16", "int32", "int64", "bool")


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type (one of `COLUMN_TYPES`) and whether it may be null."""

    name: str
    type: str
    nullable: bool = True


def _required(name: str, type_name: str) -> Column:
    return Column(name, type_name, nullable=False)


# Ids every row carries; compaction checks company/user/device against the file's path.
_IDENTITY: Final = tuple(
    _required(name, "string")
    for name in ("batch_id", "company_id", "user_id", "device_id", "session_id")
)

COLUMNS: Final[dict[str, tuple[Column, ...]]] = {
    "activity": (
        _required("sample_id", "string"),
        *_IDENTITY,
        _required("ts", "timestamp"),  # start of the sample
        _required("duration_seconds", "float32"),  # the sample's length
        _required("status", "string"),  # "active" | "idle"
        _required("idle_seconds", "float32"),
        Column("app", "string"),  # after on-device redaction; "[redacted]" for sensitive apps
        Column("title", "string"),
        Column("url", "string"),
        Column("domain", "string"),
        _required("keystrokes", "int32"),
        _required("clicks", "int32"),
        _required("scrolls", "int32"),
        _required("mouse_distance_px", "int32"),
        _required("agent_cpu_percent", "float32"),
        _required("agent_rss_bytes", "int64"),
        _required("agent_version", "string"),
    ),
    "screenshots": (
        _required("capture_id", "string"),
        *_IDENTITY,
        _required("ts", "timestamp"),
        _required("display_id", "int16"),  # 0 = all monitors combined
        _required("display_label", "string"),
        _required("width", "int32"),
        _required("height", "int32"),
        _required("format", "string"),  # "jpeg" | "webp"
        _required("size_bytes", "int64"),  # of the encoded image, before sealing
        _required("blurred", "bool"),
        _required("object_path", "string"),  # landing path of the sealed image
        Column("app", "string"),
        Column("title", "string"),
    ),
    "sessions": (
        _required("event_id", "string"),
        *_IDENTITY,
        _required("ts", "timestamp"),
        _required("kind", "string"),  # one of SESSION_EVENT_KINDS
    ),
}

SESSION_EVENT_KINDS: Final = (
    "start",
    "pause",
    "resume",
    "idle_start",
    "idle_end",
    "end",
    "force_end",
)

# The id column that makes a row unique (deduplication key) per table.
ROW_ID: Final[dict[str, str]] = {
    "activity": "sample_id",
    "screenshots": "capture_id",
    "sessions": "event_id",
}

# Value rules, checked on write (with or without Arrow) and again on ingest.
MAX_CLOCK_SKEW: Final = dt.timedelta(days=1)
EARLIEST_TS: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
ID_COLUMNS: Final = (
    "sample_id", "capture_id", "event_id",
    "batch_id", "company_id", "user_id", "device_id", "session_id",
)  # fmt: skip
ALLOWED_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "status": ("active", "idle"),
    "kind": SESSION_EVENT_KINDS,
    "format": IMAGE_FORMATS,
}
NON_NEGATIVE: Final = (
    "duration_seconds", "idle_seconds", "keystrokes", "clicks", "scrolls", "mouse_distance_px",
    "agent_cpu_percent", "agent_rss_bytes", "display_id", "width", "height", "size_bytes",
)  # fmt: skip

_TABLE_CONSTANTS: Final = {
    "ACTIVITY": "activity",
    "SCREENSHOTS": "screenshots",
    "SESSIONS": "sessions",
}


@functools.cache
def _arrow() -> dict[str, Any]:
    import pyarrow as pa

    utc_ts = pa.timestamp("us", tz="UTC")
    types = {
        "string": pa.string(),
        "timestamp": utc_ts,
        "float32": pa.float32(),
        "int16": pa.int16(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "bool": pa.bool_(),
    }
    tables = {
        name: pa.schema([pa.field(c.name, types[c.type], nullable=c.nullable) for c in columns])
        for name, columns in COLUMNS.items()
    }
    constants: dict[str, Any] = {"UTC_TS": utc_ts, "TABLES": tables}
    constants.update({constant: tables[name] for constant, name in _TABLE_CONSTANTS.items()})
    return constants


def __getattr__(name: str) -> Any:
    # The Arrow schemas load pyarrow, which a collector never needs: build them on first use.
    if name in ("UTC_TS", "TABLES", *_TABLE_CONSTANTS):
        return _arrow()[name]
    raise AttributeError(f"module 'lakehouse.schema' has no attribute {name!r}")
