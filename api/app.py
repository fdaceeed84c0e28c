"""`create_app(settings)`: the FastAPI application, built from settings (no import-time state).

uvicorn --factory api.app:app_from_env      # settings from TEAMTRECK_* variables
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from api.config import Settings
from api.db.migrate import upgrade
from api.errors import install_error_handlers
from api.fastpath import HeartbeatFastPath
from api.middleware import BodySizeLimit, SecurityHeaders
from api.routes import admin, agent, audit, auth, devices, grants, rules, sessions, teams, users
from api.services import Services


class Health(BaseModel):
    status: str


def create_app(settings: Settings) -> FastAPI:
    services = Services.build(settings)
    if settings.migrate_on_start:
        upgrade(services.engine)
    app = FastAPI(
        title="TeamTreck API",
        version="1",
        description="Identity, devices, work sessions, heartbeats, rules and storage grants. "
        'Every failure answers {"error": {"code", "message", "details"}}.',
        docs_url="/docs",
    )
    app.state.services = services
    install_error_handlers(app)
    api = APIRouter(prefix="/api")
    # The heartbeat's router first: routes are matched in order and it is the hot path.
    for module in (agent, auth, users, teams, devices, sessions, rules, grants, audit, admin):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/health", response_model=Health, tags=["meta"])
    def health() -> Health:
        return Health(status="ok")

    # The last added runs first: security headers, body limit, CORS, then the heartbeat.
    if settings.heartbeat_fast_path:
        app.add_middleware(HeartbeatFastPath, services=services)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Device-ID"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """Zero-argument factory for `uvicorn --factory` (settings from the environment)."""
    return create_app(Settings())
