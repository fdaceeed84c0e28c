"""The dashboards read the API's one error shape, {"error": {"code", "message", "details"}},
from a live API server, and show its message to the viewer."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import directory
from dashboards.api_client import ApiClient, ApiError, SessionExpired, Tokens
from tests.dashboards.world import PASSWORD, World

pytestmark = pytest.mark.slow  # a live API server and a simulated lake (built once per session)
APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
SignIn = Callable[[str], AppTest]


@pytest.fixture
def client(world: World) -> Iterator[ApiClient]:
    with httpx.Client(base_url=world.api_url, timeout=30) as http:
        yield ApiClient(http)


def raw_error(world: World, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """The API's own error body for a request, read without the dashboards' client."""
    with httpx.Client(base_url=world.api_url, timeout=30) as http:
        headers = {"X-Device-ID": "dashboard", **kwargs.pop("headers", {})}
        response = http.request(method, path, headers=headers, **kwargs)
    assert response.status_code >= 400
    return dict(response.json()["error"])


def test_a_wrong_password_is_the_apis_code_and_message(world: World, client: ApiClient) -> None:
    with pytest.raises(ApiError) as refused:
        client.login(world.acme.admin.email, "not the password")
    login = {"email": world.acme.admin.email, "password": "not the password",
             "device": {"id": "dashboard"}}  # fmt: skip
    expected = raw_error(world, "POST", "/api/auth/login", json=login)
    assert refused.value.status_code == 401
    assert refused.value.code == expected["code"] == "wrong_credentials"
    assert refused.value.message == expected["message"]


def test_a_refused_request_keeps_the_apis_message_and_details(
    world: World, client: ApiClient
) -> None:
    client.login(world.acme.admin.email, PASSWORD)
    document = directory.rules(client)
    document["screenshots"] = {**document.get("screenshots", {}), "per_hour": 99}
    with pytest.raises(ApiError) as refused:
        directory.save_rules(client, document)
    assert refused.value.status_code == 422
    assert refused.value.code == "invalid_request"
    assert "per_hour" in refused.value.message
    assert isinstance(refused.value.details, list)
    assert any("per_hour" in str(d.get("location")) for d in refused.value.details)

    person = world.acme.people[0]
    with pytest.raises(ApiError) as missing:
        directory.force_end_session(client, person.user_id, "no-such-session")
    assert client.tokens is not None
    path = f"/api/admin/sessions/{person.user_id}/no-such-session/force-end"
    bearer = {"Authorization": f"Bearer {client.tokens.access_token}"}
    expected = raw_error(world, "POST", path, headers=bearer)
    assert (missing.value.status_code, missing.value.code) == (404, expected["code"])
    assert missing.value.message == expected["message"]


def test_a_sign_in_that_cannot_be_refreshed_says_why(world: World, client: ApiClient) -> None:
    client.login(world.acme.admin.email, PASSWORD)
    client.tokens = Tokens("not-a-valid-token", "not-a-valid-refresh-token")
    with pytest.raises(SessionExpired) as expired:
        directory.people(client)
    assert expired.value.status_code == 401
    assert "log in again" in expired.value.message


class NotTheApi(http.server.BaseHTTPRequestHandler):
    """A server that answers every request with a proxy's HTML error page."""

    def do_GET(self) -> None:
        body = b"<html><body>502 Bad Gateway</body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_that_is_not_the_apis_says_so() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotTheApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with httpx.Client(base_url=url, timeout=10) as proxy, pytest.raises(ApiError) as refused:
            ApiClient(proxy).request("GET", "/api/users")
    finally:
        server.shutdown()
        server.server_close()
    assert refused.value.status_code == 502
    assert "without the API's error description" in refused.value.message
    assert "502 Bad Gateway" in refused.value.message
    assert "TEAMTRECK_DASHBOARD_API_URL" in refused.value.message


def test_the_sign_in_form_shows_the_apis_message(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)  # sets the environment up; sign in again, wrongly
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input(key="login_email").input(world.acme.admin.email)
    at.text_input(key="login_password").input("not the password")
    at.button[0].click().run()
    login = {"email": world.acme.admin.email, "password": "not the password"}
    expected = raw_error(world, "POST", "/api/auth/login", json=login)["message"]
    assert [e.value for e in at.error] == [f"Sign-in failed: {expected}"]


def test_a_page_shows_the_apis_message_when_it_is_refused(world: World, sign_in: SignIn) -> None:
    at = sign_in(world.acme.admin.email)
    at.switch_page("views/settings.py").run()
    document = json.loads(str(at.text_area(key="rules_json").value))
    document["tracking"]["idle_threshold_seconds"] = -5
    at.text_area(key="rules_json").input(json.dumps(document)).run()
    at.button(key="save_rules").click().run()
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("The rules were not saved: The request is not valid")
    assert "idle_threshold_seconds" in message


def test_a_sign_in_that_ended_shows_the_apis_reason_on_the_form(
    world: World, sign_in: SignIn
) -> None:
    at = sign_in(world.acme.admin.email)
    at.session_state["tokens"] = Tokens("not-a-valid-token", "not-a-valid-refresh-token")
    at.switch_page("views/live.py").run()  # asks the API on every run
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert at.info[0].value.startswith("You were signed out: ")
    assert "log in again" in at.info[0].value
