"""The fleet's traffic on one asyncio loop: heartbeats, grant renewals, batches, screenshots.

Each kind of event runs at its fleet-wide rate (collectors / period) with the collectors'
phases spread evenly over the period, so collector i heartbeats at i·30/N + k·30 s. An event
waits for a free keep-alive connection of its server's pool (the API's or S3's), is sent, and
its latency (from sending to the full answer) and its lateness (from when it was due to when it
got a connection) are recorded by kind. Lateness shows whether the generator kept up.

S3 PUTs go either over the same raw asyncio connections (signed with botocore's SigV4, one
signature per collector's own credentials) or through boto3 in a thread pool (`--s3-client`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from load_payloads import (
    Batch,
    Device,
    Grant,
    activity_batch,
    screenshot,
    screenshot_batch,
    signed_put,
)
from load_s3 import ThreadedPutter
from loadgen import Connection, ProtocolError, Request, Response

HEARTBEAT_SECONDS = 30.0
GRANT_SECONDS = 3600.0
REQUEST_TIMEOUT_SECONDS = 30.0
DRAIN_TIMEOUT_SECONDS = 60.0
CONNECTION_ERRORS = (
    OSError,
    asyncio.IncompleteReadError,
    ProtocolError,
    ValueError,
    TimeoutError,
)


@dataclass
class KindStats:
    latencies_seconds: list[float] = field(default_factory=list)
    lateness_seconds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    bytes_sent: int = 0


@dataclass
class Tally:
    """Everything the run saw, by kind, and what S3 acknowledged."""

    kinds: dict[str, KindStats] = field(default_factory=dict)
    objects_acknowledged: Counter[str] = field(default_factory=Counter)  # by table
    rows_acknowledged: Counter[str] = field(default_factory=Counter)  # by table
    # PUTs started, answered or not: one cut off at the end may still have been stored.
    objects_attempted: Counter[str] = field(default_factory=Counter)
    rows_attempted: Counter[str] = field(default_factory=Counter)
    scheduled: Counter[str] = field(default_factory=Counter)  # events due, by schedule
    duration_seconds: float = 0.0
    generator_cpu_seconds: float = 0.0

    def kind(self, name: str) -> KindStats:
        return self.kinds.setdefault(name, KindStats())


class Pool:
    """Keep-alive connections to one server; a request waits for a free one."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(Connection(host, port))

    async def send(self, stats: KindStats, due: float, request: Request) -> Response | None:
        """Send `request`; record lateness, latency or the error; None when it failed."""
        connection = await self.idle.get()
        sent_at = time.perf_counter()
        stats.lateness_seconds.append(max(0.0, sent_at - due))
        try:
            response = await asyncio.wait_for(send(connection, request), REQUEST_TIMEOUT_SECONDS)
        except CONNECTION_ERRORS as e:
            stats.errors[type(e).__name__] += 1
            connection.close()  # its answer may still come: never reuse it
            return None
        finally:
            self.idle.put_nowait(connection)
        if not 200 <= response.status < 300:
            stats.errors[f"HTTP {response.status}"] += 1
            return None
        stats.latencies_seconds.append(time.perf_counter() - sent_at)
        stats.bytes_sent += len(request.body)
        return response


async def send(connection: Connection, request: Request) -> Response:
    """Send on a kept-alive connection; like any HTTP client, open a new one when the server
    has closed this one while it was idle (uvicorn does after 5 s), and retry once when the
    server closed or reset it just as the request went out (nothing of an answer arrived)."""
    if connection.reader is not None and connection.reader.at_eof():
        connection.close()
    try:
        return await connection.send(request)
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise
    except (ConnectionResetError, BrokenPipeError):
        pass
    return await connection.send(request)  # every request here is idempotent


@dataclass
class Collector:
    device: Device
    token: str
    grant: Grant
    pending_screenshot_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Fleet:
    """The collectors, the two servers' pools and the tally of one run."""

    collectors: list[Collector]
    api: Pool
    s3: Pool
    s3_host: str
    image: bytes
    screenshot_seconds: float
    batch_seconds: float
    wall_start: dt.datetime
    loop_start: float
    putter: ThreadedPutter | None = None
    tally: Tally = field(default_factory=Tally)
    # Activity batches encrypted before the run, by collector: a real collector encrypts on its
    # own machine, so the generator should not spend the servers' CPU on it while measuring.
    prepared: dict[int, deque[Batch]] = field(default_factory=dict)

    def wall(self, due: float) -> dt.datetime:
        return self.wall_start + dt.timedelta(seconds=due - self.loop_start)

    def api_request(self, c: Collector, path: str, payload: Any = None) -> Request:
        headers = (("X-Device-ID", c.device.device_id),)
        return Request.json("POST", path, payload, c.token, headers)

    async def put(
        self, kind: str, table: str, rows: int, due: float, c: Collector, path: str, body: bytes
    ) -> bool:
        """PUT one object of `table` holding `rows` rows; count it as acknowledged on success."""
        stats = self.tally.kind(kind)
        self.tally.objects_attempted[table] += 1
        self.tally.rows_attempted[table] += rows
        if self.putter is not None:
            stored = await self.putter.put(stats, due, c.grant, path, body)
        else:
            request = signed_put(c.grant, self.s3_host, path, body)
            stored = await self.s3.send(stats, due, request) is not None
        if stored:
            self.tally.objects_acknowledged[table] += 1
            self.tally.rows_acknowledged[table] += rows
        return stored

    async def heartbeat(self, c: Collector, due: float) -> None:
        body = {
            "status": "working",
            "session_id": c.device.session_id,
            "queue_sizes": {"activity": 0, "screenshots": len(c.pending_screenshot_rows)},
            "agent_version": "0.1.0",
            "current_app": "code",
        }
        request = self.api_request(c, "/api/agent/heartbeat", body)
        await self.api.send(self.tally.kind("heartbeat"), due, request)

    async def renew_grant(self, c: Collector, due: float) -> None:
        request = self.api_request(c, "/api/agent/storage-grant")
        response = await self.api.send(self.tally.kind("storage_grant"), due, request)
        if response is not None:
            c.grant = Grant.from_api(response.json())

    async def upload(self, c: Collector, due: float) -> None:
        prepared = self.prepared.get(c.device.index)
        if prepared:
            path, data, rows = prepared.popleft()
        else:
            path, data, rows = activity_batch(c.grant, c.device, self.wall(due))
        await self.put("put_activity", "activity", rows, due, c, path, data)
        if c.pending_screenshot_rows:
            waiting, c.pending_screenshot_rows = c.pending_screenshot_rows, []
            path, data, rows = screenshot_batch(c.grant, waiting)
            await self.put("put_screenshot_rows", "screenshots", rows, due, c, path, data)

    async def take_screenshot(self, c: Collector, due: float) -> None:
        path, sealed, row = screenshot(c.grant, c.device, self.image, self.wall(due))
        if await self.put("put_image", "images", 0, due, c, path, sealed):
            c.pending_screenshot_rows.append(row)


Action = Callable[[Collector, float], Coroutine[Any, Any, None]]


async def every(
    fleet: Fleet,
    schedule: tuple[str, float, Action],
    deadline: float,
    tasks: set[Any],
) -> None:
    """Run `action` for collector i at i·period/N + k·period until the deadline."""
    name, period_seconds, action = schedule
    count = len(fleet.collectors)
    interval = period_seconds / count
    loop = asyncio.get_running_loop()
    k = 0
    while (due := fleet.loop_start + k * interval) < deadline:
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        fleet.tally.scheduled[name] += 1
        task = asyncio.create_task(action(fleet.collectors[k % count], due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        k += 1


async def drive(fleet: Fleet, seconds: float) -> Tally:
    """Run the whole fleet for `seconds`, then wait for what is in flight."""
    loop = asyncio.get_running_loop()
    fleet.loop_start = loop.time()
    fleet.wall_start = dt.datetime.now(dt.UTC)
    deadline = fleet.loop_start + seconds
    cpu_start = time.process_time()
    tasks: set[Any] = set()
    schedules: list[tuple[str, float, Action]] = [
        ("heartbeat", HEARTBEAT_SECONDS, fleet.heartbeat),
        ("batch", fleet.batch_seconds, fleet.upload),
        ("screenshot", fleet.screenshot_seconds, fleet.take_screenshot),
        ("storage_grant", GRANT_SECONDS, fleet.renew_grant),
    ]
    await asyncio.gather(*(every(fleet, s, deadline, tasks) for s in schedules))
    if tasks:
        _done, late = await asyncio.wait(list(tasks), timeout=DRAIN_TIMEOUT_SECONDS)
        for task in late:
            task.cancel()
        if late:
            fleet.tally.kind("unfinished").errors["not answered in time"] += len(late)
    fleet.tally.duration_seconds = loop.time() - fleet.loop_start
    fleet.tally.generator_cpu_seconds = time.process_time() - cpu_start
    return fleet.tally
