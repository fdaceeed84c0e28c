"""S3 PUTs through boto3 in a thread pool: the usual way, to compare with raw asyncio PUTs.

A boto3 client per collector would cost 10,000 clients; instead each worker thread owns one
client whose credentials are read per request from the thread (a botocore credential provider
returning credentials that look up the calling thread's current grant), so every PUT is still
signed with its own collector's temporary credentials.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials
from load_payloads import Grant

if TYPE_CHECKING:
    from load_traffic import KindStats

_current = threading.local()


class _ThreadCredentials(Credentials):  # type: ignore[misc]  # botocore has no types
    """Credentials whose value is the calling thread's current grant."""

    def __init__(self) -> None:
        super().__init__("unset", "unset")

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        creds: Credentials = _current.credentials
        return creds.get_frozen_credentials()


class _ThreadProvider(CredentialProvider):  # type: ignore[misc]
    METHOD = "bench-thread"

    def load(self) -> Credentials:
        return _ThreadCredentials()


class ThreadedPutter:
    """`threads` workers, each with its own boto3 S3 client on the endpoint."""

    def __init__(self, endpoint_url: str, region: str, threads: int) -> None:
        self.endpoint_url, self.region = endpoint_url, region
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="s3-put")
        self._clients = threading.local()

    def _client(self) -> Any:
        client = getattr(self._clients, "client", None)
        if client is None:
            core = botocore.session.Session()
            core.get_component("credential_provider").insert_before("env", _ThreadProvider())
            session = boto3.Session(botocore_session=core, region_name=self.region)
            client = session.client("s3", endpoint_url=self.endpoint_url)
            self._clients.client = client
        return client

    def _put(self, grant: Grant, object_path: str, body: bytes) -> None:
        _current.credentials = grant.credentials
        self._client().put_object(
            Bucket=grant.bucket, Key=f"{grant.key_prefix}{object_path}", Body=body
        )

    async def put(
        self, stats: KindStats, due: float, grant: Grant, object_path: str, body: bytes
    ) -> bool:
        """PUT in a worker thread; record lateness (waiting for a worker counts) and latency."""
        loop = asyncio.get_running_loop()
        queued_at = time.perf_counter()

        def timed() -> float:
            started = time.perf_counter()
            self._put(grant, object_path, body)
            return started

        try:
            started = await loop.run_in_executor(self.pool, timed)
        except Exception as e:  # botocore raises many kinds; each one is a failed upload
            stats.errors[type(e).__name__] += 1
            return False
        stats.lateness_seconds.append(max(0.0, started - due, started - queued_at))
        stats.latencies_seconds.append(time.perf_counter() - started)
        stats.bytes_sent += len(body)
        return True

    def close(self) -> None:
        self.pool.shutdown(wait=True)
