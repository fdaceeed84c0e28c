"""A small HTTP/1.1 load generator on raw asyncio, with keep-alive connections.

httpx tops out at a few hundred requests/s on two cores, so it would measure itself rather than
the server. This client writes pre-encoded requests on persistent connections and parses just
enough of each response (status, headers, Content-Length or chunked body) to keep the
connection in step: about 15k requests/s on one core.

    result = asyncio.run(run_load("127.0.0.1", 8000, requests, concurrency=32, duration_seconds=5))
    print(result.summary())

Every request can be different (a distinct token and body per collector): `requests` is any
iterator of `Request`, shared round-robin by all connections.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READ_LIMIT_BYTES = 1 << 20
NO_BODY_STATUSES = frozenset({204, 304})


class ProtocolError(Exception):
    """The server answered something that is not HTTP/1.1 as this client understands it."""


@dataclass(frozen=True)
class Request:
    """One HTTP request; `headers` go out verbatim beside Host, Content-Length and Connection."""

    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(
        cls,
        method: str,
        path: str,
        payload: Any = None,
        token: str | None = None,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> Request:
        """A request with a JSON body (if any), a bearer token (if any) and more headers."""
        headers = list(extra_headers)
        body = b""
        if payload is not None:
            body = json.dumps(payload, separators=(",", ":")).encode()
            headers.append(("Content-Type", "application/json"))
        if token is not None:
            headers.append(("Authorization", f"Bearer {token}"))
        return cls(method, path, body, tuple(headers))

    def encode(self, host: str) -> bytes:
        """The bytes on the wire, asking the server to keep the connection open."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class Target:
    """A running server under test and the endless stream of requests to send it."""

    name: str
    port: int
    pid: int
    requests: Iterator[Request]
    log_path: Path | None = None  # where the server writes its output, if we know


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[Response, bool]:
    """Read one response; also say whether the connection may carry another request."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
    if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = await read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read(-1)
        keep_alive = False
    return Response(status, headers, body), keep_alive


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


class Connection:
    """One keep-alive connection that reopens itself when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.host_header = f"{host}:{port}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def send(self, request: Request) -> Response:
        if self.writer is None:
            await self.open()
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(request.encode(self.host_header))
        try:
            response, keep_alive = await read_response(self.reader, request.method)
        except BaseException:
            self.close()
            raise
        if not keep_alive:
            self.close()
        return response

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=READ_LIMIT_BYTES
        )
        self.reconnects += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class LoadResult:
    """What one load run saw: latencies of good answers, statuses, errors and CPU used."""

    duration_seconds: float = 0.0
    latencies_seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    connections_opened: int = 0
    generator_cpu_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_seconds) + sum(self.errors.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_seconds) / self.duration_seconds if self.duration_seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """The latency (ms) below which `fraction` of the good answers fell; nan when none."""
        if not self.latencies_seconds:
            return float("nan")
        ordered = sorted(self.latencies_seconds)
        index = min(len(ordered) - 1, int(fraction * len(ordered)))
        return ordered[index] * 1000

    def summary(self) -> str:
        errors = ", ".join(f"{k}×{v}" for k, v in self.errors.most_common(3)) or "none"
        return (
            f"{self.requests_per_second:8.0f} req/s  p50 {self.percentile_ms(0.5):7.1f} ms  "
            f"p99 {self.percentile_ms(0.99):7.1f} ms  errors {self.error_count} ({errors})  "
            f"generator CPU {self.generator_cpu_seconds / self.duration_seconds:.0%}"
        )


async def run_load(
    host: str,
    port: int,
    requests: Iterator[Request],
    concurrency: int,
    duration_seconds: float,
    ok_statuses: Iterable[int] = range(200, 300),
) -> LoadResult:
    """Send `requests` from `concurrency` connections for `duration_seconds`; measure each one.

    Answers outside `ok_statuses` and failed connections count as errors, not as latencies.
    """
    ok = frozenset(ok_statuses)
    result = LoadResult()
    connections = [Connection(host, port) for _ in range(concurrency)]
    cpu_start, start = time.process_time(), time.perf_counter()
    deadline = start + duration_seconds
    await asyncio.gather(*(drive(c, requests, deadline, ok, result) for c in connections))
    result.duration_seconds = time.perf_counter() - start
    result.generator_cpu_seconds = time.process_time() - cpu_start
    result.connections_opened = sum(c.reconnects for c in connections)
    for connection in connections:
        connection.close()
    return result


async def drive(
    connection: Connection,
    requests: Iterator[Request],
    deadline: float,
    ok: frozenset[int],
    result: LoadResult,
) -> None:
    """One connection's loop: send, time, record, until the deadline."""
    clock = time.perf_counter
    while (sent_at := clock()) < deadline:
        request = next(requests)
        try:
            response = await connection.send(request)
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as e:
            result.errors[type(e).__name__] += 1
            await asyncio.sleep(0.01)  # a refused connection must not become a busy loop
            continue
        result.statuses[response.status] += 1
        if response.status in ok:
            result.latencies_seconds.append(clock() - sent_at)
        else:
            result.errors[f"HTTP {response.status}"] += 1


async def send_all(
    host: str, port: int, requests: list[Request], concurrency: int
) -> list[Response]:
    """Send every request once (setup work: sign-ups, logins), `concurrency` at a time, in order."""
    responses: list[Response | None] = [None] * len(requests)
    pending = iter(enumerate(requests))

    async def work() -> None:
        connection = Connection(host, port)
        try:
            for index, request in pending:
                responses[index] = await connection.send(request)
        finally:
            connection.close()

    await asyncio.gather(*(work() for _ in range(max(1, min(concurrency, len(requests))))))
    return [r for r in responses if r is not None]
