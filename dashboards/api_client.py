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
    """The API answered with an error status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"The API refused the request ({status_code}): {message}")
        self.status_code = status_code
        self.message = message


class SessionExpired(ApiError):
    """The sign-in is no longer valid; the viewer must sign in again."""


class ApiUnreachable(Exception):
    """The API did not answer."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or body["error"].get("code"))
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):  # FastAPI validation errors
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail
        )
    return str(detail)


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
                raise SessionExpired(401, "your sign-in has expired; please sign in again")
        return self._decode(response)

    def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair (the API rotates refresh tokens)."""
        if self.tokens is None:
            raise SessionExpired(401, "not signed in")
        response = self._send(
            "POST", ROUTES["refresh"], json={"refresh_token": self.tokens.refresh_token}, auth=False
        )
        if response.status_code in (400, 401, 403):
            raise SessionExpired(
                response.status_code, "your sign-in has expired; please sign in again"
            )
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
            raise ApiError(response.status_code, _message(response))
        if not response.content:
            return None
        return response.json()


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
