"""Where the collector writes: the storage grant from the API, renewed before it expires.

`GrantedStore` is what the uploader writes through (it has `put_bytes`, the uploader's
`Destination` seam). For S3 the API hands out short-lived credentials scoped to this user's
landing prefix; they are renewed `renew_margin_seconds` before they expire, and a failed
renewal keeps the old store until it really expires (the uploader then backs off).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.api_client import ApiClient
from collector.errors import CollectorError
from lakehouse.storage import Store, open_store

log = logging.getLogger(__name__)

RENEW_MARGIN_SECONDS = 600.0
UPLOAD_TIMEOUT_SECONDS = 30.0


class GrantMissing(CollectorError):
    """No storage grant yet (never signed in, or the API was never reached)."""


def storage_options(grant: dict[str, Any]) -> dict[str, Any]:
    """fsspec options for a grant (empty for a local lake)."""
    if grant["kind"] != "s3":
        return {}
    options: dict[str, Any] = {
        # The uploader does the retrying; botocore's own would hold an upload thread for long.
        "config_kwargs": {
            "connect_timeout": UPLOAD_TIMEOUT_SECONDS,
            "read_timeout": UPLOAD_TIMEOUT_SECONDS,
            "retries": {"max_attempts": 1, "mode": "standard"},
        },
    }
    if grant.get("endpoint_url"):
        options["endpoint_url"] = grant["endpoint_url"]
    if grant.get("region"):
        options["region"] = grant["region"]
    credentials = grant.get("credentials")
    if credentials:
        options["key"] = credentials["access_key_id"]
        options["secret"] = credentials["secret_access_key"]
        options["token"] = credentials["session_token"]
    return options


class GrantedStore:
    """A lake store opened from the current grant, swapped when the grant is renewed."""

    def __init__(
        self,
        api: ApiClient,
        *,
        renew_margin_seconds: float = RENEW_MARGIN_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api = api
        self.renew_margin_seconds = renew_margin_seconds
        self.clock = clock
        self.grant: dict[str, Any] | None = None
        self.expires_at: datetime | None = None
        self.renewals = 0
        self._store: Store | None = None
        self._lock = threading.Lock()

    def renew(self) -> dict[str, Any]:
        """Ask the API for a fresh grant and open its store."""
        grant = self.api.storage_grant()
        store = open_store(grant["lake_url"], **storage_options(grant))
        expires = grant.get("expires_at")
        with self._lock:
            self.grant = grant
            self.expires_at = datetime.fromisoformat(expires) if expires else None
            self._store = store
            self.renewals += 1
        log.info("storage grant renewed (%s lake)", grant["kind"])
        return grant

    def due(self) -> bool:
        """True when there is no grant or it expires within the margin."""
        with self._lock:
            if self._store is None:
                return True
            if self.expires_at is None:
                return False
            margin = timedelta(seconds=self.renew_margin_seconds)
            return self.clock() >= self.expires_at - margin

    def renew_if_due(self) -> bool:
        if self.due():
            self.renew()
            return True
        return False

    def put_bytes(self, rel_path: str, data: bytes) -> None:
        with self._lock:
            store = self._store
        if store is None:
            raise GrantMissing("No storage grant yet; the object stays spooled until sign-in.")
        store.put_bytes(rel_path, data)
