"""Settings of the API server, read from `TEAMTRECK_*` environment variables.

Built once in the entry point (`api.cli`) or by a test, then passed to `create_app(settings)`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from lakehouse.home import teamtreck_home


class Settings(BaseSettings):
    """Everything the server can be told; defaults give the embedded single-machine mode."""

    model_config = SettingsConfigDict(env_prefix="TEAMTRECK_", extra="ignore")

    database_url: str = ""  # empty: SQLite at <home>/db/teamtreck.sqlite3
    migrate_on_start: bool = True
    public_url: str = "http://127.0.0.1:8000"  # where people reach the server (invite links)

    # Tokens. The signing key is an Ed25519 PEM file, created 0600 on first start when absent;
    # replicas must share it (mount the same secret).
    jwt_key_file: Path | None = None  # default <home>/api/jwt-ed25519.pem
    jwt_issuer: str = "teamtreck"
    jwt_audience: str = "teamtreck-api"
    access_token_seconds: int = Field(default=900, ge=30)
    refresh_token_days: int = Field(default=30, ge=1)
    verified_token_cache_size: int = Field(default=50_000, ge=0)

    # Argon2id; tests use cheap parameters.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    password_hash_concurrency: int = Field(default=2, ge=1)
    password_min_length: int = Field(default=10, ge=1)

    # Rate limits (shared through the database). 0 turns a budget off.
    login_per_ip_per_minute: int = Field(default=20, ge=0)
    login_failures_per_account: int = Field(default=10, ge=0)
    login_lockout_seconds: int = Field(default=900, ge=1)
    requests_per_ip_per_minute: int = Field(default=1200, ge=0)
    requests_per_user_per_minute: int = Field(default=600, ge=0)
    budget_sync_seconds: float = Field(
        default=1.0, ge=0
    )  # how stale replicas' shared counts may be

    # HTTP hygiene.
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    trust_forwarded_for: bool = False  # honour X-Forwarded-For from a trusted proxy

    # Devices, presence.
    default_max_devices_per_user: int = Field(default=3, ge=1)
    online_after_seconds: int = Field(default=90, ge=1)
    heartbeat_fast_path: bool = True  # serve heartbeats beside FastAPI's router (api.fastpath)

    # Invitations by mail. No smtp_host: the invite link is shown to the admin instead.
    invite_hours: int = Field(default=72, ge=1)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_from: str = "teamtreck@localhost"

    # Lake and storage grants.
    lake_url: str = ""  # default file://<home>/lake ; s3://bucket/prefix for S3
    key_store_dir: Path | None = None  # default <home>/keys
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    sts_endpoint_url: str = ""
    sts_role_arn: str = ""
    grant_seconds: int = Field(default=3600, ge=900, le=43_200)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        folder = teamtreck_home() / "db"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'teamtreck.sqlite3'}"

    def resolved_jwt_key_file(self) -> Path:
        return self.jwt_key_file or teamtreck_home() / "api" / "jwt-ed25519.pem"

    def resolved_lake_url(self) -> str:
        return self.lake_url or (teamtreck_home() / "lake").as_uri()

    def resolved_key_store_dir(self) -> Path:
        return self.key_store_dir or teamtreck_home() / "keys"
