"""What a simulated collector sends: encrypted batches, sealed screenshots, signed S3 PUTs.

Every batch is real: twelve 10-second activity samples (or the screenshot rows waiting since the
last batch) validated and encrypted with `lakehouse.writer.encrypt_table` and the company's
public key; every screenshot is sealed with `lakehouse.writer.seal_image` for its own object
path. The PUTs are signed (SigV4) with the collector's own temporary credentials from its
storage grant, so each collector writes as itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlparse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from loadgen import Request

from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import landing_path
from lakehouse.writer import encrypt_table, seal_image

SAMPLE_SECONDS = 10
BATCH_SECONDS = 120
APPS = ("code", "firefox", "slack", "terminal", "libreoffice")
AGENT_VERSION = "0.1.0"


@dataclass(frozen=True)
class Grant:
    """A collector's storage grant: where to write and as whom."""

    bucket: str
    key_prefix: str  # "" or "lake/" — the lake root inside the bucket
    company_id: str
    user_id: str
    public_key: CompanyPublicKey
    region: str
    credentials: Credentials

    @classmethod
    def from_api(cls, answer: dict[str, Any]) -> Grant:
        """Read the answer of POST /api/agent/storage-grant (an S3 grant)."""
        if answer.get("kind") != "s3" or not answer.get("credentials"):
            raise RuntimeError(
                f"expected an S3 grant with credentials, got kind {answer.get('kind')!r}"
            )
        lake = urlparse(answer["lake_url"])
        prefix = lake.path.strip("/")
        creds = answer["credentials"]
        return cls(
            bucket=lake.netloc,
            key_prefix=f"{prefix}/" if prefix else "",
            company_id=answer["company_id"],
            user_id=answer["user_id"],
            public_key=CompanyPublicKey.from_text(answer["public_key"]),
            region=answer.get("region") or "us-east-1",
            credentials=Credentials(
                creds["access_key_id"], creds["secret_access_key"], creds["session_token"]
            ),
        )


def signed_put(grant: Grant, host: str, object_path: str, body: bytes) -> Request:
    """A path-style S3 PUT of `body` at `object_path` (relative to the lake root), SigV4-signed."""
    path = "/" + quote(f"{grant.bucket}/{grant.key_prefix}{object_path}", safe="/~")
    aws = AWSRequest(
        method="PUT",
        url=f"http://{host}{path}",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    S3SigV4Auth(grant.credentials, "s3", grant.region).add_auth(aws)
    headers = tuple((k, str(v)) for k, v in aws.headers.items() if k.lower() != "host")
    return Request("PUT", path, body, headers)


@dataclass(frozen=True)
class Device:
    """The ids a collector stamps on its rows."""

    index: int
    user_id: str
    device_id: str
    session_id: str


def activity_rows(
    grant: Grant, device: Device, batch_id: str, end: dt.datetime
) -> list[dict[str, Any]]:
    """The samples of the two minutes before `end`, one every 10 s."""
    count = BATCH_SECONDS // SAMPLE_SECONDS
    start = end - dt.timedelta(seconds=BATCH_SECONDS)
    rows = []
    for i in range(count):
        app = APPS[(device.index + i // 4) % len(APPS)]
        idle = i % 7 == 6
        rows.append(
            {
                "sample_id": uuid.uuid4().hex, "batch_id": batch_id,
                "company_id": grant.company_id, "user_id": grant.user_id,
                "device_id": device.device_id, "session_id": device.session_id,
                "ts": start + dt.timedelta(seconds=SAMPLE_SECONDS * i),
                "duration_seconds": float(SAMPLE_SECONDS),
                "status": "idle" if idle else "active",
                "idle_seconds": float(SAMPLE_SECONDS) if idle else 0.0,
                "app": app, "title": f"document {i} - {app}",
                "url": f"https://example.com/page/{i}", "domain": "example.com",
                "keystrokes": 0 if idle else 20 + i, "clicks": 0 if idle else i % 5,
                "scrolls": 0 if idle else i % 3, "mouse_distance_px": 0 if idle else 300 + i,
                "agent_cpu_percent": 0.8, "agent_rss_bytes": 55_000_000,
                "agent_version": AGENT_VERSION,
            }
        )  # fmt: skip
    return rows


Batch = tuple[str, bytes, int]  # object path, encrypted Parquet, rows


def activity_batch(grant: Grant, device: Device, end: dt.datetime) -> Batch:
    """(object path, encrypted Parquet, rows) of one two-minute activity batch."""
    batch_id = uuid.uuid4().hex
    rows = activity_rows(grant, device, batch_id, end)
    data = encrypt_table("activity", rows, grant.public_key)
    day = rows[0]["ts"].date()
    path = landing_path("activity", grant.company_id, grant.user_id, day, batch_id, "parquet")
    return path, data, len(rows)


def screenshot(
    grant: Grant, device: Device, image: bytes, at: dt.datetime
) -> tuple[str, bytes, dict[str, Any]]:
    """(object path, sealed image, screenshot row without batch_id) of one capture."""
    capture_id = uuid.uuid4().hex
    path = landing_path(
        "images", grant.company_id, grant.user_id, at.date(), capture_id, "jpeg.sealed"
    )
    row = {
        "capture_id": capture_id, "company_id": grant.company_id, "user_id": grant.user_id,
        "device_id": device.device_id, "session_id": device.session_id, "ts": at,
        "display_id": 0, "display_label": "all", "width": 1920, "height": 1080,
        "format": "jpeg", "size_bytes": len(image), "blurred": False,
        "object_path": path, "app": APPS[device.index % len(APPS)], "title": "a window",
    }  # fmt: skip
    return path, seal_image(image, grant.public_key, path), row


def screenshot_batch(grant: Grant, rows: list[dict[str, Any]]) -> tuple[str, bytes, int]:
    """(object path, encrypted Parquet, rows) of the screenshot rows waiting for a batch."""
    batch_id = uuid.uuid4().hex
    stamped = [{**row, "batch_id": batch_id} for row in rows]
    data = encrypt_table("screenshots", stamped, grant.public_key)
    day = rows[0]["ts"].date()
    path = landing_path("screenshots", grant.company_id, grant.user_id, day, batch_id, "parquet")
    return path, data, len(rows)
