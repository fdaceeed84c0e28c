"""Signing the fleet in before the load: one login and one storage grant per collector.

Like a real collector, a failed login or grant is retried with backoff (a few times); the
retries are counted and reported beside the load's figures, never hidden.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fleet import SETUP_CONCURRENCY, device_info, login_request, person_email
from load_payloads import Batch, Device, Grant, activity_batch
from load_servers import ApiServer
from load_traffic import Collector, KindStats, Pool
from loadgen import Request

ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.5


def prepare_batches(
    collectors: list[Collector], batch_seconds: float, seconds: float
) -> dict[int, deque[Batch]]:
    """Encrypt every activity batch the run will upload, ahead of it (2 threads: pyarrow
    encrypts without holding the GIL). Collector i uploads at i·period/N + k·period."""
    base = dt.datetime.now(dt.UTC)

    def batches(c: Collector) -> deque[Batch]:
        offsets = itertools.count(c.device.index * batch_seconds / len(collectors), batch_seconds)
        return deque(
            activity_batch(c.grant, c.device, base + dt.timedelta(seconds=offset))
            for offset in itertools.takewhile(lambda o: o < seconds, offsets)
        )

    with ThreadPoolExecutor(2) as pool:
        return dict(
            zip((c.device.index for c in collectors), pool.map(batches, collectors), strict=True)
        )


async def call(pool: Pool, stats: KindStats, request: Request) -> dict[str, Any]:
    """The JSON answer of `request`, retried with backoff; raises after the last attempt."""
    for attempt in range(ATTEMPTS):
        response = await pool.send(stats, time.perf_counter(), request)
        if response is not None:
            answer: dict[str, Any] = response.json()
            return answer
        await asyncio.sleep(FIRST_BACKOFF_SECONDS * 2**attempt)
    errors = ", ".join(f"{k}×{v}" for k, v in stats.errors.most_common(3))
    raise RuntimeError(f"{request.path} failed {ATTEMPTS} times ({errors}); see the API's log")


def grant_request(token: str, device_id: str) -> Request:
    headers = (("X-Device-ID", device_id),)
    return Request.json("POST", "/api/agent/storage-grant", token=token, extra_headers=headers)


async def sign_in(
    api: ApiServer, people: int, stats: dict[str, KindStats]
) -> tuple[list[Collector], float]:
    """Log each person in from their own device, then get each one's storage grant.

    Returns the collectors and the screenshot interval the company rules ask for.
    """
    pool = Pool("127.0.0.1", api.port, SETUP_CONCURRENCY)
    logins = stats.setdefault("login", KindStats())
    grants = stats.setdefault("storage_grant", KindStats())
    answers = await asyncio.gather(
        *(call(pool, logins, login_request(person_email(i), device_info(i))) for i in range(people))
    )
    granted = await asyncio.gather(
        *(
            call(pool, grants, grant_request(str(a["access_token"]), device_info(i)["id"]))
            for i, a in enumerate(answers)
        )
    )
    collectors = [
        Collector(
            Device(i, str(a["user"]["id"]), device_info(i)["id"], uuid.uuid4().hex),
            str(a["access_token"]),
            Grant.from_api(g),
        )
        for i, (a, g) in enumerate(zip(answers, granted, strict=True))
    ]
    per_hour = int(answers[0]["rules"]["rules"]["screenshots"]["per_hour"])
    return collectors, 3600.0 / per_hour if per_hour else float("inf")
