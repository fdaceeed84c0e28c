"""Binding devices to people, the per-user device limit, and revocation."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, func, insert, select, update

from api.companies import now_utc
from api.db.tables import companies, devices, refresh_tokens
from api.errors import Conflict, Forbidden
from api.models.users import DeviceInfo, DevicePublic

logger = logging.getLogger(__name__)


def bind_device(
    conn: Connection, company_id: str, user_id: str, info: DeviceInfo, *, web: bool = False
) -> int:
    """Bind (or refresh) the device at login; returns its token generation."""
    key = (devices.c.user_id == user_id, devices.c.id == info.id)
    row = conn.execute(select(devices.c.revoked_at, devices.c.token_generation).where(*key)).first()
    details = {"name": info.name, "os": info.os, "agent_version": info.agent_version}
    if row is not None:
        if row.revoked_at is not None:
            raise Forbidden(
                "This device was revoked. Reinstall the collector (it makes a new device id) "
                "or ask your admin.",
                code="device_revoked",
            )
        conn.execute(update(devices).where(*key).values(**details, last_seen_at=now_utc()))
        return int(row.token_generation)
    if not web:
        _check_limit(conn, company_id, user_id)
    conn.execute(
        insert(devices).values(
            user_id=user_id,
            id=info.id,
            company_id=company_id,
            created_at=now_utc(),
            last_seen_at=now_utc(),
            token_generation=0,
            kind="web" if web else "collector",
            **details,
        )
    )
    return 0


def _check_limit(conn: Connection, company_id: str, user_id: str) -> None:
    limit = conn.execute(
        select(companies.c.max_devices_per_user).where(companies.c.id == company_id)
    ).scalar_one()
    active = list_devices(conn, company_id, user_id, include_revoked=False)
    if len(active) >= limit:
        raise Conflict(
            f"You already use {len(active)} devices, the most your company allows. Revoke one "
            "you no longer use (DELETE /api/me/devices/<id> from a signed-in device) or ask "
            "your admin.",
            code="device_limit",
            details={"limit": limit, "devices": [d.model_dump(mode="json") for d in active]},
        )


def list_devices(
    conn: Connection, company_id: str, user_id: str, *, include_revoked: bool = True
) -> list[DevicePublic]:
    query = select(devices).where(devices.c.company_id == company_id, devices.c.user_id == user_id)
    if not include_revoked:
        query = query.where(devices.c.revoked_at.is_(None), devices.c.kind == "collector")
    rows = conn.execute(query.order_by(devices.c.created_at))
    return [
        DevicePublic(
            id=r.id,
            user_id=r.user_id,
            name=r.name,
            os=r.os,
            agent_version=r.agent_version,
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]


def sign_out_device(conn: Connection, user_id: str, device_id: str, *, revoke: bool) -> bool:
    """End every token of the device at once (and, with `revoke`, the device itself)."""
    values: dict[str, object] = {"token_generation": devices.c.token_generation + 1}
    if revoke:
        values["revoked_at"] = func.coalesce(devices.c.revoked_at, now_utc())
    logger.info("device %s of user %s signed out (revoked: %s)", device_id, user_id, revoke)
    done = conn.execute(
        update(devices)
        .where(devices.c.user_id == user_id, devices.c.id == device_id)
        .values(values)
    ).rowcount
    conn.execute(
        update(refresh_tokens)
        .where(
            refresh_tokens.c.user_id == user_id,
            refresh_tokens.c.device_id == device_id,
            refresh_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now_utc())
    )
    return bool(done)


def sign_out_user(conn: Connection, user_id: str) -> None:
    """End every token of every device of the user (suspension)."""
    conn.execute(
        update(devices)
        .where(devices.c.user_id == user_id)
        .values(token_generation=devices.c.token_generation + 1)
    )
    conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
