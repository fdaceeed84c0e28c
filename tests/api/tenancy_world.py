"""Two companies, each with a company_admin, a sub_admin of one team, a member of that team and
an outsider (in another team); everyone signed in on a device with an open work session.

Built through the API (teams, sessions, commands, audit records) on top of `api.bootstrap`
seeding, so the isolation tests start from what real companies look like. Every id, email and
name is distinctive, so a response that mentions another company's data can be spotted.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from callers import PASSWORD, Caller, sign_in
from fastapi.testclient import TestClient

from api.bootstrap import add_user, bootstrap_company
from api.config import Settings

STANDING_ROLES = ("admin", "sub", "member", "outsider")
API_ROLE = {"admin": "company_admin", "sub": "sub_admin", "member": "user", "outsider": "user"}
_serial = itertools.count()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial):04d}"


@dataclass
class Person:
    """Someone signed in on one device, with an open session and a pending command."""

    role: str  # admin | sub | member | outsider
    email: str
    name: str
    caller: Caller
    session_id: str = ""
    command_id: int = 0
    managed_team_id: str = ""  # a sub_admin's team

    @property
    def user_id(self) -> str:
        return self.caller.user_id

    @property
    def device_id(self) -> str:
        return self.caller.device_id

    @property
    def refresh_token(self) -> str:
        return str(self.caller.login["refresh_token"])


@dataclass
class Target:
    """What a route's path parameters point at."""

    user_id: str
    device_id: str
    session_id: str
    command_id: int
    team_id: str

    def fill(self, path: str) -> str:
        return path.format(**vars(self))


@dataclass
class Company:
    tag: str  # short and distinctive: "acme", "globex"
    settings: Settings
    client: TestClient
    company_id: str = ""
    name: str = ""
    team_id: str = ""  # managed by `sub`, `member` is in it
    other_team_id: str = ""  # `outsider` is in it, nobody's sub_admin manages it
    invitee_id: str = ""  # invited into `team_id`, has not accepted yet
    invite_token: str = ""
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def admin(self) -> Person:
        return self.people["admin"]

    def target(self, person: Person, team_id: str | None = None) -> Target:
        return Target(
            person.user_id,
            person.device_id,
            person.session_id,
            person.command_id,
            team_id or self.team_id,
        )

    def add_person(self, role: str, team_ids: tuple[str, ...] = ()) -> Person:
        """Seed a person of `role` (admin|sub|member|outsider) and sign them in."""
        handle = unique(f"{self.tag}-{role}")
        email, name = f"{handle}@{self.tag}.example", handle.replace("-", " ").title()
        add_user(
            self.settings,
            company_id=self.company_id,
            email=email,
            password=PASSWORD,
            role=API_ROLE[role],
            name=name,
            team_ids=team_ids,
        )  # type: ignore[arg-type]
        caller = sign_in(self.client, email, device_id=unique(f"{self.tag}-dev"))
        return Person(role, email, name, caller)

    def start_session(self, person: Person) -> None:
        person.session_id = unique(f"{self.tag}-sess")
        body = {"id": person.session_id, "event_id": unique("ev"), "ts": now_iso()}
        expect(person.caller.call("POST", "/api/me/sessions", json=body), 200)

    def queue_command(self, person: Person) -> None:
        """A force_logout command waiting for `person`'s device (not acknowledged)."""
        path = f"/api/admin/users/{person.user_id}/devices/{person.device_id}/force-logout"
        person.command_id = int(expect(self.admin.caller.call("POST", path), 201)["id"])

    def new_team(self, managed_by: Person | None, members: list[Person]) -> str:
        admin = self.admin.caller
        team_id = str(
            expect(admin.call("POST", "/api/teams", json={"name": unique("team")}), 201)["id"]
        )
        if managed_by is not None:
            body = {"user_ids": [managed_by.user_id]}
            expect(admin.call("PUT", f"/api/teams/{team_id}/admins", json=body), 200)
        body = {"user_ids": [p.user_id for p in members]}
        expect(admin.call("PUT", f"/api/teams/{team_id}/members", json=body), 200)
        return team_id

    def web_admin(self) -> Person:
        """The company_admin signed in from a browser (no device given: a web sign-in)."""
        body = {"email": self.admin.email, "password": PASSWORD}
        login = expect(self.client.post("/api/auth/login", json=body), 200)
        caller = Caller(self.client, str(login["device_id"]), login)
        return Person("admin", self.admin.email, self.admin.name, caller)

    def invite(self, team_id: str) -> tuple[str, str]:
        """Invite a new person into `team_id`; returns (user id, invitation token)."""
        handle = unique(f"{self.tag}-invitee")
        body = {
            "email": f"{handle}@{self.tag}.example",
            "name": handle.title(),
            "team_ids": [team_id],
        }
        made = expect(self.admin.caller.call("POST", "/api/users/invite", json=body), 201)
        return str(made["user"]["id"]), str(made["invite_token"])

    def fresh_target(self, sub: Person) -> Target:
        """A new member of a new team managed by `sub`, signed in, with a session and a command."""
        person = self.add_person("member")
        team_id = self.new_team(sub, [person])
        self.start_session(person)
        self.queue_command(person)
        return self.target(person, team_id)

    def secrets(self) -> set[str]:
        """Strings that only this company's people may ever see."""
        found = {self.company_id, self.name, self.team_id, self.other_team_id}
        found |= {self.invitee_id, self.invite_token}
        for p in self.people.values():
            found |= {p.user_id, p.email, p.name, p.device_id, p.session_id, p.refresh_token}
        return found


def expect(response: Any, status: int) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def build_company(tag: str, settings: Settings, client: TestClient) -> Company:
    company = Company(tag, settings, client, name=f"{tag.title()}-Corporation")
    admin_email = f"{tag}-admin@{tag}.example"
    made = bootstrap_company(
        settings,
        name=company.name,
        admin_email=admin_email,
        admin_password=PASSWORD,
        admin_name=f"{tag.title()} Admin",
    )
    company.company_id = made.company_id
    admin = sign_in(client, admin_email, device_id=unique(f"{tag}-dev"))
    company.people["admin"] = Person("admin", admin_email, f"{tag.title()} Admin", admin)
    expect(admin.call("PATCH", "/api/admin/company", json={"max_devices_per_user": 100}), 200)
    company.people["sub"] = company.add_person("sub")
    company.people["member"] = company.add_person("member")
    company.people["outsider"] = company.add_person("outsider")
    company.team_id = company.new_team(company.people["sub"], [company.people["member"]])
    company.other_team_id = company.new_team(None, [company.people["outsider"]])
    company.invitee_id, company.invite_token = company.invite(company.team_id)
    for person in company.people.values():
        company.start_session(person)
        company.queue_command(person)
        beat = {"status": "working", "session_id": person.session_id, "current_app": "editor"}
        expect(person.caller.call("POST", "/api/agent/heartbeat", json=beat), 200)
    viewed = {"subject_user_id": company.people["member"].user_id, "resource": "timeline"}
    expect(admin.call("POST", "/api/audit/access", json=viewed), 204)
    return company


def snapshot(company: Company) -> dict[str, Any]:
    """Everything the company's admin and people can read about it, minus heartbeat clocks."""
    admin = company.admin.caller
    today = dt.date.today().isoformat()
    reads = [
        "/api/users",
        "/api/teams",
        "/api/admin/company",
        "/api/rules",
        "/api/admin/sessions/active",
        f"/api/admin/sessions/export?date={today}",
    ]
    state: dict[str, Any] = {path: admin.call("GET", path).json() for path in reads}
    for role, person in company.people.items():
        uid = person.user_id
        state[f"{role} devices"] = [
            {k: v for k, v in d.items() if k != "last_seen_at"}
            for d in admin.call("GET", f"/api/users/{uid}/devices").json()
        ]
        state[f"{role} sessions"] = admin.call(
            "GET", f"/api/users/{uid}/sessions", params={"from": today, "to": today}
        ).json()
        state[f"{role} signed in"] = person.caller.call("GET", "/api/me").status_code
        state[f"{role} access log"] = person.caller.call("GET", "/api/me/access-log").json()
        beat = {"status": "working", "session_id": person.session_id, "current_app": "editor"}
        answer = person.caller.call("POST", "/api/agent/heartbeat", json=beat).json()
        state[f"{role} commands"] = [(c["id"], c["kind"]) for c in answer.get("commands", [])]
    return state
