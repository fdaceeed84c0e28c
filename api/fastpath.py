"""The heartbeat, served beside FastAPI's router rather than through it.

Heartbeats are nearly all of the API's traffic (every collector, every 30 s), and FastAPI's
routing, dependency solving and response validation cost about as much CPU as the heartbeat's
own work. This ASGI layer answers `POST /api/agent/heartbeat` with the same functions the
FastAPI route uses (`deps.authenticate`, `presence.answer_heartbeat`) and the same error
shape; the route stays for the OpenAPI schema and is what answers if this layer is left out.
It sits inside the security-header and body-size middleware, so those apply unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import authenticate, ip_of
from api.errors import ApiError, describe_invalid
from api.models.agent import Heartbeat
from api.presence import answer_heartbeat
from api.services import Services

PATH = "/api/agent/heartbeat"
JSON_HEADERS = [(b"content-type", b"application/json")]


class HeartbeatFastPath:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away (or the body was too large: already answered)
            return
        status, payload, headers = await self._answer(scope, body)
        headers = [*JSON_HEADERS, (b"content-length", str(len(payload)).encode()), *headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(
        self, scope: Scope, body: bytes
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        headers = dict(scope["headers"])
        svc = self.services
        peer = scope["client"][0] if scope.get("client") else None
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
        try:
            claims = await authenticate(
                svc,
                _bearer(headers.get(b"authorization")),
                _text(headers.get(b"x-device-id")),
                ip_of(svc.settings, forwarded, peer),
            )
            beat = Heartbeat.model_validate_json(body)
            answer = await answer_heartbeat(svc, claims, beat)
        except ApiError as e:
            extra = [(k.lower().encode(), v.encode()) for k, v in e.headers.items()]
            return e.status_code, _error(e.code, e.message, e.details), extra
        except ValidationError as e:
            message, details = describe_invalid(e.errors(include_url=False), ("body",))
            return 422, _error("invalid_request", message, details), []
        return 200, answer.model_dump_json().encode(), []


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _bearer(value: bytes | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _error(code: str, message: str, details: Any) -> bytes:
    body = {"error": {"code": code, "message": message, "details": details}}
    return json.dumps(body, default=str).encode()
