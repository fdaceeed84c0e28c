"""The optional config file: `<home>/teamtreck.toml` (or `--config` / `$TEAMTRECK_CONFIG`).

Each key is a setting's environment variable without the `TEAMTRECK_` prefix, in lower case,
so one file configures every part and the README's settings table is the whole reference:

    database_url = "postgresql+psycopg://teamtreck@db.internal/teamtreck"
    lake_url = "s3://acme-activity/lake"
    s3_endpoint_url = "https://s3.eu-central-1.amazonaws.com"

Environment variables win over the file, so a one-off override needs no edit. The launcher
(`teamtreck.cli`) reads the file before any subcommand runs, so every part sees the same
settings without code of its own.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "TEAMTRECK_"
# Where the file is found cannot be set by the file itself.
NOT_IN_FILE = {"home": "TEAMTRECK_HOME", "config": "TEAMTRECK_CONFIG"}


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
        if key.lower() in NOT_IN_FILE:
            raise ConfigFileError(
                f"{path}: '{key}' cannot be set in the config file (it says where the file is); "
                f"set the environment variable {NOT_IN_FILE[key.lower()]} instead."
            )
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


@dataclass
class LoadedConfig:
    """Which file was read and which variables it set (the environment's own are not listed)."""

    path: Path
    applied: list[str] = field(default_factory=list)


def load_config(
    explicit: Path | None = None, environ: MutableMapping[str, str] = os.environ
) -> LoadedConfig:
    """Read `explicit`, `$TEAMTRECK_CONFIG` or `<home>/teamtreck.toml` into `environ`."""
    from lakehouse.home import teamtreck_home

    path = config_path(teamtreck_home(), explicit)
    return LoadedConfig(path, load_into_environment(path, environ))


def switch_config(
    loaded: LoadedConfig | None, explicit: Path, environ: MutableMapping[str, str] = os.environ
) -> LoadedConfig:
    """Use `explicit` instead of the file read before (`teamtreck up --config FILE`).

    The values the earlier file set are taken back first: they came from a file, not from the
    environment, so they must not win over the file asked for.
    """
    if loaded is not None:
        if loaded.path.resolve() == explicit.resolve():
            return loaded
        for name in loaded.applied:
            environ.pop(name, None)
    return load_config(explicit, environ)
