"""The collector's settings (environment variables `TEAMTRECK_COLLECTOR_*`).

Built once in the entry point and passed down; nothing reads them at import time. Example::

    TEAMTRECK_COLLECTOR_LAKE_URL=s3://acme-lake \
    TEAMTRECK_COLLECTOR_S3_ENDPOINT_URL=https://s3.example.com \
    TEAMTRECK_COLLECTOR_COMPANY_ID=acme TEAMTRECK_COLLECTOR_USER_ID=alice \
    teamtreck collector run
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lakehouse.home import teamtreck_home

DEFAULT_BACKOFF_SECONDS = (5.0, 15.0, 60.0, 300.0, 900.0)


def default_spool_dir() -> Path:
    """Return the collector's folder in the deployment folder (spool, journal, identity)."""
    return teamtreck_home() / "collector"


def default_lake_url() -> str:
    """Return the embedded default lake: a local folder in the deployment folder."""
    return (teamtreck_home() / "lake").as_uri()


class CollectorSettings(BaseSettings):
    """Everything the collector's pipeline needs to sample, spool and upload."""

    model_config = SettingsConfigDict(env_prefix="TEAMTRECK_COLLECTOR_", extra="ignore")

    # Who is recorded; the server hands these out at login. device_id is created once locally.
    company_id: str = "local"
    user_id: str = "local-user"
    device_id: str | None = None
    session_id: str | None = None

    # The company's public key (text form of lakehouse.keys.CompanyPublicKey).
    public_key: str = ""

    # Schedule.
    sample_interval_seconds: float = Field(default=10.0, gt=0)
    batch_interval_seconds: float = Field(default=120.0, gt=0)
    batch_max_rows: int = Field(default=500, ge=1)

    # The on-disk spool.
    spool_dir: Path = Field(default_factory=default_spool_dir)
    spool_budget_bytes: int = Field(default=500 * 1024 * 1024, ge=1024 * 1024)

    # Where objects go: a local folder URL or s3://bucket/prefix with granted credentials.
    lake_url: str = Field(default_factory=default_lake_url)
    s3_endpoint_url: str | None = None
    s3_key: str | None = None
    s3_secret: SecretStr | None = None
    s3_token: SecretStr | None = None
    s3_region: str | None = None

    # Uploads.
    upload_workers: int = Field(default=2, ge=1, le=16)
    upload_timeout_seconds: float = Field(default=30.0, gt=0)
    backoff_seconds: tuple[float, ...] = DEFAULT_BACKOFF_SECONDS
    backoff_jitter: float = Field(default=0.2, ge=0, lt=1)
    upload_max_failures: int = Field(default=8, ge=1)
    rescan_seconds: float = Field(default=30.0, gt=0)

    @field_validator("backoff_seconds")
    @classmethod
    def _check_backoff(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(step <= 0 for step in value):
            raise ValueError("backoff_seconds needs at least one positive delay, e.g. 5,15,60")
        return value

    def storage_options(self) -> dict[str, Any]:
        """Return the fsspec options for the lake URL (empty for a local folder)."""
        if not self.lake_url.startswith("s3://"):
            return {}
        timeout = self.upload_timeout_seconds
        options: dict[str, Any] = {
            # Our own backoff does the retrying; botocore's would hold an upload thread for long.
            "config_kwargs": {
                "connect_timeout": timeout,
                "read_timeout": timeout,
                "retries": {"max_attempts": 1, "mode": "standard"},
            },
        }
        if self.s3_endpoint_url:
            options["endpoint_url"] = self.s3_endpoint_url
        if self.s3_key:
            options["key"] = self.s3_key
        if self.s3_secret:
            options["secret"] = self.s3_secret.get_secret_value()
        if self.s3_token:
            options["token"] = self.s3_token.get_secret_value()
        if self.s3_region:
            options["region"] = self.s3_region
        return options
