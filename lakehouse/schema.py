"""The data contract: one Arrow schema per table, versioned.

Every file written to the lake carries its table name and schema version in the Parquet
key-value metadata (`teamtreck.table`, `teamtreck.schema_version`), so readers can tell what
they hold without trusting the path.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

SCHEMA_VERSION: Final = 1
UTC_TS: Final = pa.timestamp("us", tz="UTC")

# Ids every row carries; compaction checks company/user/device against the file's path.
_IDENTITY = [
    pa.field("batch_id", pa.string(), nullable=False),
    pa.field("company_id", pa.string(), nullable=False),
    pa.field("user_id", pa.string(), nullable=False),
    pa.field("device_id", pa.string(), nullable=False),
    pa.field("session_id", pa.string(), nullable=False),
]

ACTIVITY: Final = pa.schema(
    [
        pa.field("sample_id", pa.string(), nullable=False),
        *_IDENTITY,
        pa.field("ts", UTC_TS, nullable=False),  # start of the sample
        pa.field("duration_seconds", pa.float32(), nullable=False),  # the sample's length
        pa.field("status", pa.string(), nullable=False),  # "active" | "idle"
        pa.field("idle_seconds", pa.float32(), nullable=False),
        pa.field("app", pa.string()),  # after on-device redaction; "[redacted]" for sensitive apps
        pa.field("title", pa.string()),
        pa.field("url", pa.string()),
        pa.field("domain", pa.string()),
        pa.field("keystrokes", pa.int32(), nullable=False),
        pa.field("clicks", pa.int32(), nullable=False),
        pa.field("scrolls", pa.int32(), nullable=False),
        pa.field("mouse_distance_px", pa.int32(), nullable=False),
        pa.field("agent_cpu_percent", pa.float32(), nullable=False),
        pa.field("agent_rss_bytes", pa.int64(), nullable=False),
        pa.field("agent_version", pa.string(), nullable=False),
    ]
)

SCREENSHOTS: Final = pa.schema(
    [
        pa.field("capture_id", pa.string(), nullable=False),
        *_IDENTITY,
        pa.field("ts", UTC_TS, nullable=False),
        pa.field("display_id", pa.int16(), nullable=False),  # 0 = all monitors combined
        pa.field("display_label", pa.string(), nullable=False),
        pa.field("width", pa.int32(), nullable=False),
        pa.field("height", pa.int32(), nullable=False),
        pa.field("format", pa.string(), nullable=False),  # "jpeg" | "webp"
        pa.field("size_bytes", pa.int64(), nullable=False),  # of the encoded image, before sealing
        pa.field("blurred", pa.bool_(), nullable=False),
        pa.field("object_path", pa.string(), nullable=False),  # landing path of the sealed image
        pa.field("app", pa.string()),
        pa.field("title", pa.string()),
    ]
)

SESSION_EVENT_KINDS: Final = (
    "start",
    "pause",
    "resume",
    "idle_start",
    "idle_end",
    "end",
    "force_end",
)

SESSIONS: Final = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        *_IDENTITY,
        pa.field("ts", UTC_TS, nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # one of SESSION_EVENT_KINDS
    ]
)

TABLES: Final[dict[str, pa.Schema]] = {
    "activity": ACTIVITY,
    "screenshots": SCREENSHOTS,
    "sessions": SESSIONS,
}

# The id column that makes a row unique (deduplication key) per table.
ROW_ID: Final[dict[str, str]] = {
    "activity": "sample_id",
    "screenshots": "capture_id",
    "sessions": "event_id",
}
