"""Creating a company (with its first admin and key pair) and seeding people, in-process.

The company key pair is made by the lake (`lakehouse.keys`): the public key goes into the
database (handed to collectors), the private key into the lake's key store only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import insert, update

from api.companies import create_admin, create_company, new_id, now_utc
from api.config import Settings
from api.db.engine import build_engine
from api.db.migrate import upgrade
from api.db.tables import companies, team_admins, team_members, teams, users
from api.errors import Invalid, NotFound
from api.security import Passwords, check_password_strength
from lakehouse.keys import FileKeyStore, generate_company_key

_EMAIL = TypeAdapter(EmailStr)


def checked_email(email: str) -> str:
    """The address as login will see it (validated like login's, lower-cased), or `Invalid`:
    an account made with an address login refuses could never sign in."""
    try:
        return _EMAIL.validate_python(email).lower()
    except ValidationError as e:
        reason = e.errors()[0]["msg"].removeprefix("value is not a valid email address: ")
        raise Invalid(
            f"{email!r} is not a valid email address: {reason} "
            "Give the address the person signs in with, e.g. boss@acme.example.",
            code="invalid_email",
        ) from e


@dataclass(frozen=True)
class Bootstrapped:
    company_id: str
    admin_id: str
    key_id: str


def bootstrap_company(
    settings: Settings, *, name: str, admin_email: str, admin_password: str, admin_name: str = ""
) -> Bootstrapped:
    """Create the company, its first company_admin and its key pair; migrate the database first."""
    admin_email = checked_email(admin_email)
    check_password_strength(admin_password, settings.password_min_length)
    engine = build_engine(settings.resolved_database_url())
    try:
        upgrade(engine)
        company_id = new_id()
        pair = generate_company_key(company_id)
        password_hash = Passwords(settings).hash_sync(admin_password)
        with engine.begin() as conn:
            create_company(
                conn,
                company_id=company_id,
                name=name,
                key_id=pair.public.key_id,
                public_key=pair.public.to_text(),
                max_devices_per_user=settings.default_max_devices_per_user,
            )
            admin_id = create_admin(
                conn,
                company_id=company_id,
                email=admin_email,
                name=admin_name or admin_email.split("@")[0],
                password_hash=password_hash,
            )
            # Saved last, inside the transaction: a failed save leaves no company without a key.
            FileKeyStore(settings.resolved_key_store_dir()).save(pair)
    finally:
        engine.dispose()
    return Bootstrapped(company_id, admin_id, pair.public.key_id)


def add_user(
    settings: Settings,
    *,
    company_id: str,
    email: str,
    password: str,
    role: Literal["company_admin", "sub_admin", "user"] = "user",
    name: str = "",
    team_ids: tuple[str, ...] = (),
) -> str:
    """Seed an active person with a password (tests, benchmarks, demos); returns the user id."""
    email = checked_email(email)
    engine = build_engine(settings.resolved_database_url())
    try:
        user_id = new_id()
        with engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    id=user_id,
                    company_id=company_id,
                    email=email.lower(),
                    name=name or email.split("@")[0],
                    role=role,
                    status="active",
                    password_hash=Passwords(settings).hash_sync(password),
                    created_at=now_utc(),
                )
            )
            for team_id in team_ids:
                conn.execute(insert(team_members).values(team_id=team_id, user_id=user_id))
    finally:
        engine.dispose()
    return user_id


def add_team(
    settings: Settings, *, company_id: str, name: str, admin_ids: tuple[str, ...] = ()
) -> str:
    """Create a team (demos, tests) with its sub_admins; returns the team id."""
    engine = build_engine(settings.resolved_database_url())
    try:
        team_id = new_id()
        with engine.begin() as conn:
            conn.execute(
                insert(teams).values(
                    id=team_id, company_id=company_id, name=name, created_at=now_utc()
                )
            )
            for user_id in admin_ids:
                conn.execute(insert(team_admins).values(team_id=team_id, user_id=user_id))
    finally:
        engine.dispose()
    return team_id


def sync_company_key(settings: Settings, company_id: str) -> str:
    """Store the key store's current public key for the company (after a rotation by the
    lake); collectors get it with their next login or storage grant. Returns the key id."""
    public = FileKeyStore(settings.resolved_key_store_dir()).current_public_key(company_id)
    engine = build_engine(settings.resolved_database_url())
    try:
        with engine.begin() as conn:
            found = conn.execute(
                update(companies)
                .where(companies.c.id == company_id)
                .values(key_id=public.key_id, public_key=public.to_text())
            ).rowcount
    finally:
        engine.dispose()
    if not found:
        raise NotFound(f"No company {company_id} in the API's database.")
    return public.key_id
