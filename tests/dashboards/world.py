"""A small real deployment for the dashboards' tests: a live API server and a compacted lake.

Two companies. Acme has an admin, a sub_admin managing team Red, and five people (three in Red,
two in Blue) with three simulated days each (today and the two days before); Globex has its
own admin and two people with one day. Everything lives in one temporary folder.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.bootstrap import add_user, bootstrap_company
from api.config import Settings
from lakehouse import FileKeyStore, open_store
from lakehouse.compaction import compact
from lakehouse.simulate import Workday, generate_day, write_day

PASSWORD = "correct horse battery staple"
DAYS = 3
WORK = Workday(workday_seconds=3 * 3600, screenshots_per_hour=3.0)


@dataclass
class Person:
    email: str
    user_id: str
    name: str


@dataclass
class Company:
    company_id: str
    admin: Person
    people: list[Person] = field(default_factory=list)


@dataclass
class World:
    api_url: str
    home: Path
    lake_url: str
    keys_dir: Path
    acme: Company
    globex: Company
    sub_admin: Person
    red: list[str]  # user ids in team Red (the sub_admin's)
    days: list[dt.date]

    def dashboard_env(self) -> dict[str, str]:
        return {
            "api_url": self.api_url,
            "lake_url": self.lake_url,
            "keys_dir": str(self.keys_dir),
        }


def api_settings(home: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{home / 'api.sqlite3'}",
        jwt_key_file=home / "jwt.pem",
        lake_url=(home / "lake").as_uri(),
        key_store_dir=home / "keys",
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
        login_per_ip_per_minute=0,
        requests_per_ip_per_minute=0,
        requests_per_user_per_minute=0,
    )


class ApiServer:
    """uvicorn serving the API in a thread on a free port."""

    def __init__(self, settings: Settings) -> None:
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _company(settings: Settings, name: str, people: int) -> Company:
    domain = name.lower() + ".io"
    boot = bootstrap_company(
        settings, name=name, admin_email=f"boss@{domain}", admin_password=PASSWORD,
        admin_name=f"{name} Boss",
    )  # fmt: skip
    company = Company(boot.company_id, Person(f"boss@{domain}", boot.admin_id, f"{name} Boss"))
    for i in range(1, people + 1):
        email = f"person{i}@{domain}"
        name_i = f"{name} Person {i}"
        user_id = add_user(settings, company_id=boot.company_id, email=email, password=PASSWORD,
                           name=name_i)  # fmt: skip
        company.people.append(Person(email, user_id, name_i))
    return company


def _admin_call(api_url: str, admin: Person, method: str, path: str,
                body: dict[str, object] | None) -> dict[str, Any]:  # fmt: skip
    headers = {"X-Device-ID": "test-setup"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=30) as http:
        login = http.post("/api/auth/login", json={"email": admin.email, "password": PASSWORD,
                                                   "device": {"id": "test-setup"}})  # fmt: skip
        login.raise_for_status()
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        response = http.request(method, path, json=body)
        response.raise_for_status()
        return dict(response.json())


def _teams(api_url: str, acme: Company, sub_admin: Person) -> list[str]:
    red = [p.user_id for p in acme.people[:3]]
    for name, members, admins in (("Red", red, [sub_admin.user_id]),
                                  ("Blue", [p.user_id for p in acme.people[3:]], [])):  # fmt: skip
        team = _admin_call(api_url, acme.admin, "POST", "/api/teams", {"name": name})
        path = f"/api/teams/{team['id']}"
        _admin_call(api_url, acme.admin, "PUT", f"{path}/members", {"user_ids": members})
        _admin_call(api_url, acme.admin, "PUT", f"{path}/admins", {"user_ids": admins})
    return red


PRODUCTIVITY = {
    "default": "neutral",
    "rules": [
        {"match": "app", "pattern": "code", "category": "productive"},
        {"match": "app", "pattern": "gnome-terminal", "category": "productive"},
        {"match": "domain", "pattern": "github.com", "category": "productive"},
        {"match": "domain", "pattern": "www.youtube.com", "category": "unproductive"},
        {"match": "domain", "pattern": "www.reddit.com", "category": "unproductive"},
        {"match": "app", "pattern": "spotify", "category": "unproductive"},
    ],
}


def _categories(api_url: str, acme: Company) -> None:
    rules = _admin_call(api_url, acme.admin, "GET", "/api/rules", None)["rules"]
    document = {**rules, "productivity": PRODUCTIVITY}
    _admin_call(api_url, acme.admin, "PUT", "/api/rules", document)


def _simulate(settings: Settings, company: Company, days: list[dt.date]) -> None:
    store = open_store(settings.resolved_lake_url())
    public_key = FileKeyStore(settings.resolved_key_store_dir()).current_public_key(
        company.company_id
    )
    users = [p.user_id for p in company.people]
    for day in days:
        write_day(store, public_key, generate_day(company.company_id, users, day, 7, WORK))


def build_world(home: Path, server: ApiServer, settings: Settings, api_url: str) -> World:
    acme = _company(settings, "Acme", 5)
    globex = _company(settings, "Globex", 2)
    sub_id = add_user(settings, company_id=acme.company_id, email="lead@acme.io",
                      password=PASSWORD, role="sub_admin", name="Acme Lead")  # fmt: skip
    sub_admin = Person("lead@acme.io", sub_id, "Acme Lead")
    red = _teams(api_url, acme, sub_admin)
    _categories(api_url, acme)
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    _simulate(settings, acme, days)
    _simulate(settings, globex, days[-1:])
    compact(
        open_store(settings.resolved_lake_url()), FileKeyStore(settings.resolved_key_store_dir())
    )
    return World(api_url, home, settings.resolved_lake_url(), settings.resolved_key_store_dir(),
                 acme, globex, sub_admin, red, days)  # fmt: skip
