"""Every table of the API, as SQLAlchemy Core tables (the migrations are the source of truth).

Every row that belongs to a company carries `company_id`, and every query filters on it.
Ids are 32 hex characters from the server, or the client's own ids (device, session, event)
scoped by the user's id so one tenant can never collide with or probe another's.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

from api.db.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
UTC = UTCDateTime()
ID = String(64)

companies = Table(
    "companies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("max_devices_per_user", Integer, nullable=False),
    Column("key_id", String(128), nullable=False),
    Column("public_key", Text, nullable=False),  # lakehouse CompanyPublicKey.to_text()
    Column("rules_version", Integer, nullable=False, server_default="0"),
    # Copied from rules.tracking.apps so the heartbeat can honour it without reading the rules.
    Column("share_current_app", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTC, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("company_id", ID, ForeignKey("companies.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False, unique=True),  # lower-cased
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # company_admin | sub_admin | user
    Column("status", String(20), nullable=False),  # invited | active | suspended
    Column("password_hash", String(200)),
    Column("created_at", UTC, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("id", ID, primary_key=True),
    Column("company_id", ID, ForeignKey("companies.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTC, nullable=False),
    UniqueConstraint("company_id", "name", name="uq_teams_company_name"),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True, index=True),
)

team_admins = Table(  # which teams a sub_admin manages
    "team_admins",
    metadata,
    Column("team_id", ID, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True, index=True),
)

invites = Table(
    "invites",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("company_id", ID, ForeignKey("companies.id"), nullable=False),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_by", ID, nullable=False),
    Column("expires_at", UTC, nullable=False),
    Column("used_at", UTC),
)

devices = Table(  # one row per (user, device): binding, revocation and presence
    "devices",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("id", ID, primary_key=True),
    Column("company_id", ID, ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("os", String(100), nullable=False),
    Column("agent_version", String(50), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("revoked_at", UTC),
    Column("token_generation", Integer, nullable=False, server_default="0"),
    Column("last_seen_at", UTC),
    Column("status", String(20)),  # last heartbeat's status
    Column("current_app", String(200)),
    Column("session_id", ID),
    Column("queue_sizes", JSON),
    # "collector" counts against the device limit; "web" is a browser sign-in (dashboards).
    Column("kind", String(20), nullable=False, server_default="collector"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family_id", ID, nullable=False, index=True),
    Column("company_id", ID, nullable=False),
    Column("user_id", ID, nullable=False),
    Column("device_id", ID, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("expires_at", UTC, nullable=False),
    Column("used_at", UTC),
    Column("revoked_at", UTC),
)

work_sessions = Table(
    "work_sessions",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("id", ID, primary_key=True),  # the collector's session id
    Column("company_id", ID, ForeignKey("companies.id"), nullable=False),
    Column("device_id", ID, nullable=False),
    Column("state", String(20), nullable=False),  # active | paused | ended
    Column("started_at", UTC, nullable=False),
    Column("ended_at", UTC),
    Column("ended_by", String(20)),  # user | admin
    Column("summary", JSON),
    Index(
        "uq_work_sessions_one_open",
        "user_id",
        unique=True,
        sqlite_where=text("state != 'ended'"),
        postgresql_where=text("state != 'ended'"),
    ),
    Index("ix_work_sessions_company_started", "company_id", "started_at"),
)

session_events = Table(
    "session_events",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column("event_id", ID, primary_key=True),  # the client's id: replays are no-ops
    Column("company_id", ID, nullable=False),
    Column("device_id", ID, nullable=False),
    Column("session_id", ID, nullable=False),
    Column("kind", String(20), nullable=False),  # lakehouse.schema.SESSION_EVENT_KINDS
    Column("ts", UTC, nullable=False),  # the client's clock
    Column("recorded_at", UTC, nullable=False),
    Index("ix_session_events_company_ts", "company_id", "ts"),
)

commands = Table(  # queued for one device until it acknowledges
    "commands",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("company_id", ID, nullable=False),
    Column("user_id", ID, nullable=False),
    Column("device_id", ID, nullable=False),
    Column("kind", String(20), nullable=False),  # force_logout | end_session | new_rules
    Column("payload", JSON, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("acked_at", UTC),
    Index("ix_commands_pending", "user_id", "device_id", "acked_at"),
)

rules = Table(
    "rules",
    metadata,
    Column("company_id", ID, ForeignKey("companies.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", JSON, nullable=False),
    Column("created_by", ID),
    Column("created_at", UTC, nullable=False),
)

rate_counters = Table(  # fixed windows shared by every replica
    "rate_counters",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # epoch seconds
    Column("count", Integer, nullable=False),
)

access_log = Table(  # who looked at whose data
    "access_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("company_id", ID, nullable=False),
    Column("viewer_id", ID, nullable=False),
    Column("subject_user_id", ID, nullable=False),
    Column("resource", String(40), nullable=False),
    Column("detail", String(400), nullable=False, server_default=""),
    Column("viewed_at", UTC, nullable=False),
    Index("ix_access_log_subject", "subject_user_id", "viewed_at"),
)
