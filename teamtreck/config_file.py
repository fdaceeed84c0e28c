"""The optional config file: `<home>/teamtreck.toml` (or `--config` / `$TEAMTRECK_CONFIG`).

Each key is a setting's environment variable without the `TEAMTRECK_` prefix, in lower case,
so one file configures every part and the README's settings table is the whole reference:

    database_url = "postgresql+psycopg://teamtreck@db.internal/teamtreck"
    lake_url = "s3://acme-activity/lake"
    s3_endpoint_url = "https://s3.eu-central-1.amazonaws.com"

Environment variables win over the file, so a one-off override needs no edit.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import MutableMapping
from pathlib import Path

PREFIX = "TEAMTRECK_"


class ConfigFileError(ValueError):
    """The config file cannot be used; the message says where and why."""


def config_path(home: Path, explicit: Path | None = None) -> Path:
    configured = explicit or os.environ.get(PREFIX + "CONFIG")
    return Path(configured) if configured else home / "teamtreck.toml"


def load_into_environment(path: Path, environ: MutableMapping[str, str]) -> list[str]:
    """Set `TEAMTRECK_<KEY>` for each key of the file not already set; returns the names set."""
    if not path.exists():
        return []
    try:
        values = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigFileError(
            f"{path} is not valid TOML: {e}. Fix the file or move it away."
        ) from e
    applied = []
    for key, value in values.items():
        if isinstance(value, dict):
            raise ConfigFileError(
                f"{path}: [{key}] is a table; write settings as top-level keys "
                "(e.g. dashboard_api_url = ...)."
            )
        name = PREFIX + key.upper()
        if name in environ:
            continue
        environ[name] = _as_env_text(value)
        applied.append(name)
    return applied


def _as_env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        import json

        return json.dumps(value)
    return str(value)
