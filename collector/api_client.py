"""The collector's client for the TeamTreck API (httpx).

Tokens live in a `TokenStore`; the access token is refreshed shortly before it expires (and
once more when the server says it expired), under a lock, because refresh tokens rotate and
sending a used one twice signs the device out. Every call reports whether the server was
reachable, so the tray can show "offline" and the work session can journal instead::

    ApiError
    ├── ApiOffline     the server could not be reached (network, timeout, 429, 502-504): retry later
    ├── SignedOut      no valid sign-in: the user must sign in again
    └── ApiRejected    the server refused the request (status, code, message)
"""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from collector.credentials import Tokens, TokenStore, is_expiring
from collector.errors import CollectorError

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 60.0
UNAVAILABLE = {502, 503, 504}


class ApiError(CollectorError):
    """A call to the API failed."""


class ApiOffline(ApiError):
    """The API could not be reached; the call may be retried later."""


class SignedOut(ApiError):
    """There is no valid sign-in on this device; sign in again."""


class ApiRejected(ApiError):
    """The API answered with an error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status = status
        self.code = code
        self.message = message


def _rejected(response: httpx.Response) -> ApiRejected:
    try:
        error = response.json()["error"]
        return ApiRejected(response.status_code, str(error["code"]), str(error["message"]))
    except (ValueError, KeyError, TypeError):
        return ApiRejected(response.status_code, "http_error", response.text[:200])


class ApiClient:
    """Signs in, keeps tokens fresh, and calls the routes the collector needs."""

    def __init__(
        self,
        base_url: str,
        store: TokenStore,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        on_online_change: Callable[[bool], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store = store
        self.clock = clock
        self.online: bool | None = None
        self._on_online_change = on_online_change
        self._lock = threading.RLock()
        self._http = httpx.Client(
            base_url=f"{self.base_url}/api", timeout=timeout_seconds, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    # -- sign-in -------------------------------------------------------------------------------

    def login(
        self, email: str, password: str, device_id: str, agent_version: str
    ) -> dict[str, Any]:
        """Sign in this device; saves the tokens and returns the server's answer (rules, key)."""
        device = {
            "id": device_id,
            "name": platform.node()[:200],
            "os": f"{platform.system()} {platform.release()}"[:100],
            "agent_version": agent_version[:50],
        }
        body = {"email": email, "password": password, "device": device}
        answer: dict[str, Any] = self._send("POST", "/auth/login", json=body)
        tokens = Tokens(
            api_url=self.base_url,
            access_token=answer["access_token"],
            refresh_token=answer["refresh_token"],
            access_expires_at=self._expiry(answer["expires_in_seconds"]),
            user_id=answer["user"]["id"],
            company_id=answer["user"]["company_id"],
            device_id=device_id,
            email=email,
        )
        with self._lock:
            self.store.save(tokens)
        log.info("signed in as user %s on device %s", tokens.user_id, device_id)
        return answer

    def logout(self) -> None:
        """Revoke this device's tokens on the server (best effort) and wipe them here."""
        with self._lock:
            try:
                self.call("POST", "/auth/logout", json={})
            except ApiError as e:
                log.warning("sign-out could not reach the server (%s); wiping tokens anyway", e)
            self.store.clear()

    def signed_in(self) -> Tokens | None:
        with self._lock:
            return self.store.load()

    def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair (rotation) and save it before using it."""
        with self._lock:
            tokens = self._tokens()
            try:
                answer = self._send(
                    "POST",
                    "/auth/refresh",
                    json={"refresh_token": tokens.refresh_token},
                    headers={"X-Device-Id": tokens.device_id},
                )
            except ApiRejected as e:
                if e.status in (401, 403):
                    self.store.clear()
                    raise SignedOut(f"Your sign-in has ended ({e.message}). Sign in again.") from e
                raise
            fresh = Tokens(
                **{
                    **tokens.__dict__,
                    "access_token": answer["access_token"],
                    "refresh_token": answer["refresh_token"],
                    "access_expires_at": self._expiry(answer["expires_in_seconds"]),
                }
            )
            self.store.save(fresh)
            return fresh

    # -- authorized calls ----------------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One authorized request; refreshes before expiry and once after an expired token."""
        with self._lock:
            tokens = self._tokens()
            if is_expiring(tokens, within_seconds=REFRESH_MARGIN_SECONDS, now=self.clock()):
                tokens = self.refresh()
        try:
            return self._send(method, path, headers=_auth_headers(tokens), **kwargs)
        except ApiRejected as e:
            if e.status != 401:
                raise
            if e.code != "token_expired":
                self.store.clear()
                raise SignedOut(f"{e.message} Sign in again.") from e
        with self._lock:
            tokens = self.refresh()
        return self._send(method, path, headers=_auth_headers(tokens), **kwargs)

    def _tokens(self) -> Tokens:
        tokens = self.store.load()
        if tokens is None:
            raise SignedOut("Not signed in. Sign in with: teamtreck collector login")
        return tokens

    def _expiry(self, seconds: float) -> datetime:
        return self.clock() + timedelta(seconds=float(seconds))

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as e:
            self._mark_online(False)
            raise ApiOffline(f"The TeamTreck server at {self.base_url} is unreachable: {e}") from e
        if response.status_code in UNAVAILABLE:
            self._mark_online(False)
            raise ApiOffline(
                f"The TeamTreck server answered {response.status_code}; retrying later"
            )
        self._mark_online(True)
        if response.status_code == 429:
            raise ApiOffline("The TeamTreck server is busy (HTTP 429); retrying later")
        if response.status_code >= 400:
            raise _rejected(response)
        return response.json() if response.content else None

    def _mark_online(self, online: bool) -> None:
        changed = self.online is not online
        self.online = online
        if changed and self._on_online_change is not None:
            self._on_online_change(online)

    # -- the routes ----------------------------------------------------------------------------

    def start_session(self, session_id: str, event_id: str, at: datetime) -> dict[str, Any]:
        body = {"id": session_id, "event_id": event_id, "ts": at.isoformat()}
        result: dict[str, Any] = self.call("POST", "/me/sessions", json=body)
        return result

    def change_session(
        self, session_id: str, kind: str, event_id: str, at: datetime, **extra: Any
    ) -> dict[str, Any]:
        """pause | resume | end (extra: summary) | idle_start | idle_end."""
        body: dict[str, Any] = {"event_id": event_id, "ts": at.isoformat(), **extra}
        if kind in ("idle_start", "idle_end"):
            path = f"/me/sessions/{session_id}/events"
            body["kind"] = kind
        else:
            path = f"/me/sessions/{session_id}/{kind}"
        result: dict[str, Any] = self.call("POST", path, json=body)
        return result

    def current_session(self) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self.call("GET", "/me/sessions/current")
        except ApiRejected as e:
            if e.status == 404:
                return None
            raise
        return result

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/agent/heartbeat", json=body)
        return result

    def ack(self, command_id: int) -> None:
        self.call("POST", f"/agent/commands/{command_id}/ack")

    def rules(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/rules")
        return result

    def storage_grant(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/agent/storage-grant")
        return result


def _auth_headers(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}", "X-Device-ID": tokens.device_id}
