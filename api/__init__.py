"""The TeamTreck API server: identity, devices, work sessions, heartbeats, rules, storage grants.

    from api import Settings, create_app
    app = create_app(Settings(database_url="postgresql://…"))

Names are imported on first use, so `teamtreck api --help` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Settings",
    "add_team",
    "add_user",
    "app_from_env",
    "bootstrap_company",
    "create_app",
    "sync_company_key",
]

_HOMES = {
    "Settings": "api.config",
    "add_team": "api.bootstrap",
    "add_user": "api.bootstrap",
    "app_from_env": "api.app",
    "bootstrap_company": "api.bootstrap",
    "create_app": "api.app",
    "sync_company_key": "api.bootstrap",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'api' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
