"""Settings of the dashboards, read from `TEAMTRECK_DASHBOARD_*` environment variables.

The Streamlit app runs as a script in its own process, so `teamtreck dashboard` hands its
options over through the environment and the app builds `DashboardSettings` once per process.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lakehouse import default_lake_url, teamtreck_home

ENV_PREFIX = "TEAMTRECK_DASHBOARD_"


class DashboardSettings(BaseSettings):
    """Where the dashboards find the API and the lake, and how fresh their figures are."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    api_url: str = Field(default="http://127.0.0.1:8000", description="Base URL of the API.")
    lake_url: str = Field(
        default="", description="Root URL of the lake; default $TEAMTRECK_LAKE_URL or <home>/lake."
    )
    keys_dir: Path | None = Field(
        default=None, description="Key store folder; default <home>/keys."
    )
    storage_options: dict[str, str] = Field(
        default_factory=dict, description="fsspec options for an S3 lake (JSON in the env)."
    )
    include_landing: bool = Field(
        default=False, description="Also show rows not compacted yet (slower on big lakes)."
    )
    live_refresh_seconds: float = Field(default=5.0, gt=0, description="Live page refresh period.")
    api_timeout_seconds: float = Field(default=10.0, gt=0)

    def resolved_lake_url(self) -> str:
        return self.lake_url or default_lake_url()

    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or teamtreck_home() / "keys"
