"""HTTP hygiene: one error shape, security headers, CORS, body size limit, OpenAPI."""

from __future__ import annotations

from callers import Caller
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings


def test_every_failure_has_the_same_shape(client: TestClient, admin: Caller) -> None:
    for r in (
        client.get("/api/nowhere"),
        client.get("/api/me"),
        client.post("/api/auth/login", json={"email": "not-an-email"}),
        client.put("/api/auth/login"),
        admin.call("GET", "/api/users/unknown"),
    ):
        error = r.json()["error"]
        assert set(error) == {"code", "message", "details"}
        assert error["message"]
        assert "Traceback" not in r.text


def test_security_headers_on_every_response(client: TestClient) -> None:
    r = client.get("/api/me")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert client.get("/docs").status_code == 200


def test_cors_only_for_configured_origins(settings: Settings, company: Bootstrapped) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://dash.acme.example"]}))
    with TestClient(app) as c:
        ok = c.options(
            "/api/me",
            headers={"Origin": "https://dash.acme.example", "Access-Control-Request-Method": "GET"},
        )
        assert ok.headers["access-control-allow-origin"] == "https://dash.acme.example"
        bad = c.options(
            "/api/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in bad.headers


def test_large_bodies_are_refused(settings: Settings, company: Bootstrapped) -> None:
    with TestClient(create_app(settings.model_copy(update={"max_body_bytes": 2048}))) as c:
        r = c.post(
            "/api/auth/login", content=b"x" * 5000, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "body_too_large"

        def chunks():  # no Content-Length: counted while streaming
            yield b"{" + b" " * 3000

        r = c.post(
            "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413


def test_openapi_declares_responses_and_errors(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (method, path)
            if path.startswith("/api/"):
                assert codes & {"401", "422", "404"}, (method, path)
    beat = schema["paths"]["/api/agent/heartbeat"]["post"]
    assert beat["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorBody"
    )


def test_nul_characters_are_refused_on_both_databases(admin: Caller) -> None:
    for method, path, body in (
        ("POST", "/api/agent/heartbeat", {"status": "working", "current_app": "a\x00b"}),
        ("POST", "/api/users/invite", {"email": "n@acme.example", "name": "N\x00"}),
        ("POST", "/api/teams", {"name": "\x00"}),
        ("GET", "/api/users/a%00b", None),
    ):
        r = admin.call(method, path, json=body)
        assert r.status_code in (404, 422), (path, r.text)
        assert r.json()["error"]["code"] in ("invalid_request", "not_found")
