"""Companies and their rules documents (the database side; keys come from the lake)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Connection, insert, select, update

from api.db.tables import companies, rules, users
from api.errors import Conflict, NotFound
from api.models.rules import RulesDocument, RulesPublic
from api.models.users import CompanyPublic


def new_id() -> str:
    return uuid.uuid4().hex


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_company(
    conn: Connection,
    *,
    company_id: str,
    name: str,
    key_id: str,
    public_key: str,
    max_devices_per_user: int,
) -> None:
    conn.execute(
        insert(companies).values(
            id=company_id,
            name=name,
            max_devices_per_user=max_devices_per_user,
            key_id=key_id,
            public_key=public_key,
            rules_version=1,
            created_at=now_utc(),
        )
    )
    conn.execute(
        insert(rules).values(
            company_id=company_id,
            version=1,
            document=RulesDocument().model_dump(mode="json"),
            created_at=now_utc(),
        )
    )


def create_admin(
    conn: Connection, *, company_id: str, email: str, name: str, password_hash: str
) -> str:
    email = email.lower()
    if conn.execute(select(users.c.id).where(users.c.email == email)).first():
        raise Conflict(f"{email} already has an account; use another email address.")
    user_id = new_id()
    conn.execute(
        insert(users).values(
            id=user_id,
            company_id=company_id,
            email=email,
            name=name,
            role="company_admin",
            status="active",
            password_hash=password_hash,
            created_at=now_utc(),
        )
    )
    return user_id


def company_public(conn: Connection, company_id: str) -> CompanyPublic:
    row = conn.execute(select(companies).where(companies.c.id == company_id)).first()
    if row is None:
        raise NotFound(f"No company {company_id}.")
    return CompanyPublic(
        id=row.id,
        name=row.name,
        max_devices_per_user=row.max_devices_per_user,
        key_id=row.key_id,
        public_key=row.public_key,
        rules_version=row.rules_version,
    )


def current_rules(conn: Connection, company_id: str) -> RulesPublic:
    row = conn.execute(
        select(rules)
        .where(rules.c.company_id == company_id)
        .order_by(rules.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"Company {company_id} has no rules yet.")
    return RulesPublic(
        company_id=company_id,
        version=row.version,
        rules=RulesDocument.model_validate(row.document),
        updated_at=row.created_at,
    )


def save_rules(
    conn: Connection, company_id: str, document: RulesDocument, author_id: str
) -> RulesPublic:
    """Store `document` as the next version and make it current."""
    version = conn.execute(
        update(companies)
        .where(companies.c.id == company_id)
        .values(
            rules_version=companies.c.rules_version + 1,
            share_current_app=document.tracking.apps,
        )
        .returning(companies.c.rules_version)
    ).scalar_one()
    conn.execute(
        insert(rules).values(
            company_id=company_id,
            version=version,
            document=document.model_dump(mode="json"),
            created_by=author_id,
            created_at=now_utc(),
        )
    )
    return current_rules(conn, company_id)
