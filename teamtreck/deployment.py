"""The embedded deployment: what `teamtreck up` creates on first run and reuses afterwards.

State lives in `<home>/deployment.json` (ids only) and `<home>/sign-in.txt` (0600: the generated
passwords, so the person who ran `up` can sign in; delete it once you have changed them).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from api.bootstrap import add_team, add_user, bootstrap_company
from api.config import Settings as ApiSettings

ADMIN_EMAIL = "admin@example.com"
DEMO_TEAMS = {"Engineering": 6, "Sales": 4}  # team -> employees
DEMO_DAYS = 14


@dataclass
class Deployment:
    company_id: str
    admin_email: str
    demo_user_ids: list[str] = field(default_factory=list)
    demo_days: list[str] = field(default_factory=list)  # ISO dates already simulated
    desktop_user_id: str | None = None  # the employee this machine's collector signs in as

    @staticmethod
    def path(home: Path) -> Path:
        return home / "deployment.json"

    @classmethod
    def load(cls, home: Path) -> Deployment | None:
        try:
            return cls(**json.loads(cls.path(home).read_text()))
        except FileNotFoundError:
            return None

    def save(self, home: Path) -> None:
        target = self.path(home)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(target)


def _record_sign_in(home: Path, line: str) -> Path:
    path = home / "sign-in.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(line + "\n")
    return path


def ensure_company(settings: ApiSettings, home: Path) -> tuple[Deployment, bool]:
    """The deployment's company and admin: created on first run, reused afterwards."""
    existing = Deployment.load(home)
    if existing is not None:
        return existing, False
    password = secrets.token_urlsafe(12)
    made = bootstrap_company(
        settings, name="My company", admin_email=ADMIN_EMAIL, admin_password=password
    )
    _record_sign_in(home, f"company_admin  {ADMIN_EMAIL}  {password}")
    deployment = Deployment(company_id=made.company_id, admin_email=ADMIN_EMAIL)
    deployment.save(home)
    return deployment, True


def add_demo_people(settings: ApiSettings, home: Path, deployment: Deployment) -> None:
    """Teams, a sub-admin and employees for the demo (once)."""
    if deployment.demo_user_ids:
        return
    password = secrets.token_urlsafe(12)
    for team_name, size in DEMO_TEAMS.items():
        slug = team_name.lower()
        lead_email = f"{slug}.lead@example.com"
        lead = add_user(
            settings,
            company_id=deployment.company_id,
            email=lead_email,
            password=password,
            role="sub_admin",
            name=f"{team_name} lead",
        )
        team_id = add_team(
            settings, company_id=deployment.company_id, name=team_name, admin_ids=(lead,)
        )
        _record_sign_in(home, f"sub_admin      {lead_email}  {password}")
        for n in range(1, size + 1):
            email = f"{slug}{n}@example.com"
            deployment.demo_user_ids.append(
                add_user(
                    settings,
                    company_id=deployment.company_id,
                    email=email,
                    password=password,
                    name=f"{team_name} {n}",
                    team_ids=(team_id,),
                )
            )
    _record_sign_in(home, f"employees      <team><n>@example.com  {password}")
    deployment.save(home)


DESKTOP_EMAIL = "you@example.com"


def add_desktop_employee(settings: ApiSettings, home: Path, deployment: Deployment) -> str | None:
    """The employee this machine's collector signs in as (once); returns their new password."""
    if deployment.desktop_user_id:
        return None
    password = secrets.token_urlsafe(12)
    deployment.desktop_user_id = add_user(
        settings,
        company_id=deployment.company_id,
        email=DESKTOP_EMAIL,
        password=password,
        name="You (this desktop)",
    )
    _record_sign_in(home, f"user           {DESKTOP_EMAIL}  {password}")
    deployment.save(home)
    return password


def demo_days_missing(deployment: Deployment, today: dt.date) -> list[dt.date]:
    """The demo's past days (through yesterday) not yet in the lake, newest first."""
    wanted = [today - dt.timedelta(days=n) for n in range(1, DEMO_DAYS + 1)]
    return [day for day in wanted if day.isoformat() not in deployment.demo_days]


def fill_demo_lake(
    home: Path,
    deployment: Deployment,
    lake_url: str,
    storage_options: dict[str, str],
    key_dir: Path,
    compact_now: Callable[[], None],
    report: Callable[[str], None],
    stop: threading.Event,
) -> None:
    """Simulate the demo people's past weeks on the collector's write path, newest day first.

    Each day is compacted as soon as it is written, so the dashboards fill up while this runs;
    once `stop` is set the fill ends at its next file, and it resumes where it stopped on the
    next `up --demo`.
    """
    from lakehouse import FileKeyStore, open_store
    from lakehouse.simulate import generate_day, write_day
    from teamtreck.stopping import StopAwareStore, Stopping

    store = StopAwareStore(open_store(lake_url, **storage_options), stop)
    key_store = FileKeyStore(key_dir)
    public_key = key_store.current_public_key(deployment.company_id)
    for day in demo_days_missing(deployment, dt.datetime.now(dt.UTC).date()):
        if stop.is_set():
            return
        data = generate_day(deployment.company_id, deployment.demo_user_ids, day)
        try:
            written = write_day(store, public_key, data, workers=2, progress=None)
            compact_now()
        except Stopping:
            return  # the day is not marked done: the next fill writes it again
        deployment.demo_days.append(day.isoformat())
        deployment.save(home)
        report(f"demo: {day} simulated and compacted ({sum(written.rows.values()):,} rows)")
