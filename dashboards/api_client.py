"""The dashboards' client of the TeamTreck API (httpx, synchronous).

Errors::

    ApiError            the API answered with an error (status and the API's own message)
    └── SessionExpired  the access token was refused and could not be refreshed: sign in again
    ApiUnreachable      no answer at all (server down, wrong URL)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)


class ApiError(Exception):
    """The API answered with an error status.

    `code`, `message` and `details` are the API's own (`{"error": {"code", "message",
    "details"}}`); `message` says what happened and what to do, so pages show it as it is.
    """

    def __init__(self, status_code: int, message: str, code: str = "", details: Any = None) -> None:
        super().__init__(f"The API refused the request ({status_code}): {message}")
        self.status_code = status_code
        self.message = message
        self.code = code
        self.details = details


class SessionExpired(ApiError):
    """The sign-in is no longer valid; the viewer must sign in again."""


class ApiUnreachable(Exception):
    """The API did not answer."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str


def error_from(response: httpx.Response) -> ApiError:
    """The API's error (code, message, details) of a failed response.

    Anything else answering with an error (a proxy's HTML page, a server that is not the API)
    is reported as such, with the start of its body.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return ApiError(
            response.status_code,
            str(error["message"]),
            str(error.get("code") or ""),
            error.get("details"),
        )
    text = response.text.strip()[:200] or response.reason_phrase
    return ApiError(
        response.status_code,
        f"{response.request.url} answered {response.status_code} without the API's error "
        f"description ({text}). Check that TEAMTRECK_DASHBOARD_API_URL points at the API.",
    )


class ApiClient:
    """Calls the API as one signed-in viewer; refreshes the access token once when it expires.

    `on_tokens` is told about every new token pair so the caller can keep it (Streamlit keeps it
    in the viewer's session state).
    """

    def __init__(
        self,
        http: httpx.Client,
        tokens: Tokens | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
    ) -> None:
        self._http = http
        self.tokens = tokens
        self._on_tokens = on_tokens

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request with the viewer's token; return the decoded JSON (None when empty)."""
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self.tokens is not None:
            self.refresh()
            response = self._send(method, path, **kwargs)
            if response.status_code == 401:
                raise _expired(response)
        return self._decode(response)

    def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair (the API rotates refresh tokens)."""
        if self.tokens is None:
            raise SessionExpired(401, "not signed in")
        response = self._send(
            "POST", ROUTES["refresh"], json={"refresh_token": self.tokens.refresh_token}, auth=False
        )
        if response.status_code in (400, 401, 403):
            raise _expired(response)
        self._keep(self._decode(response))
        assert self.tokens is not None
        return self.tokens

    def login(self, email: str, password: str) -> dict[str, Any]:
        """Sign in; keeps the tokens and returns the API's whole answer (user, company, rules)."""
        payload = {"email": email, "password": password, "device": DASHBOARD_DEVICE}
        body = self._decode(self._send("POST", ROUTES["login"], json=payload, auth=False))
        self._keep(body)
        return dict(body)

    def logout(self) -> None:
        if self.tokens is None:
            return
        try:
            self._send("POST", ROUTES["logout"], json={"refresh_token": self.tokens.refresh_token})
        finally:
            self.tokens = None

    def _keep(self, body: Any) -> None:
        self.tokens = Tokens(body["access_token"], body["refresh_token"])
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)

    def _send(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["X-Device-ID"] = DASHBOARD_DEVICE["id"]  # the API checks it against the token
        if auth and self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        try:
            return self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as e:
            raise ApiUnreachable(
                f"The API at {self._http.base_url} did not answer ({type(e).__name__}). "
                "Check that it is running and that TEAMTRECK_DASHBOARD_API_URL points at it."
            ) from e

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            log.info("api error %s on %s", response.status_code, response.request.url.path)
            raise error_from(response)
        if not response.content:
            return None
        return response.json()


def _expired(response: httpx.Response) -> SessionExpired:
    """The sign-in cannot be used any more; keep the API's reason (expired, revoked, reused)."""
    error = error_from(response)
    return SessionExpired(error.status_code, error.message, error.code, error.details)


# How the dashboards present themselves at sign-in: one device slot per manager, whatever the
# browser, because the API binds a device to every sign-in.
DASHBOARD_DEVICE: dict[str, str] = {
    "id": "dashboard",
    "name": "TeamTreck dashboards",
    "os": "web",
    "agent_version": "",
}

# The API's routes, in one place (relative to the API base URL).
ROUTES: dict[str, str] = {
    "login": "/api/auth/login",
    "refresh": "/api/auth/refresh",
    "logout": "/api/auth/logout",
}
