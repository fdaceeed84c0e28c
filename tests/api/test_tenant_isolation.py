"""No one reaches another company, and no role does more than it may — over every route.

Two companies (see tenancy_world) are built through the API; then every route of the OpenAPI
schema (tenancy_routes.CASES says how to call each) is called by every kind of person, pointed
at the other company's people, devices, sessions, commands and teams. Each test collects every
violation and reports them together, so one run shows the whole picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from callers import PASSWORD
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tenancy_routes import CASES, ROLES_FOR_ACCESS, Call, Case, Ctx, build_call, send
from tenancy_world import STANDING_ROLES, Company, Person, build_company, expect, snapshot

from api.config import Settings

pytestmark = pytest.mark.timeout(600)
DENIED = frozenset({401, 403, 404, 409, 422})


@pytest.fixture
def world(settings: Settings, app: FastAPI) -> Iterator[tuple[Company, Company]]:
    """Acme and Globex, built through one app over the same database."""
    with TestClient(app, client=("198.51.100.9", 40000)) as client:
        yield build_company("acme", settings, client), build_company("globex", settings, client)


def fresh_actor(company: Company, role: str) -> Person:
    """A throwaway person of `role` with a session and a pending command (sub: with a team)."""
    person = company.add_person(role)
    if role == "sub":
        person.managed_team_id = company.new_team(person, [])
    company.start_session(person)
    company.queue_command(person)
    return person


def leaks(response: Any, call: Call, other: Company) -> list[str]:
    """The other company's strings in the answer that the request did not carry itself."""
    carried = call.carried()
    return sorted(s for s in other.secrets() if s and s not in carried and s in response.text)


def foreign_targets(case: Case, other: Company) -> list[tuple[str, Any]]:
    if case.aim == "team":
        return [
            (f"team {t}", other.target(other.admin, t))
            for t in (other.team_id, other.other_team_id)
        ]
    return [(f"{role}'s", other.target(other.people[role])) for role in STANDING_ROLES]


def probe_other_company(mine: Company, other: Company, key: str, case: Case) -> list[str]:
    """Every kind of person of `mine` aims `key` at `other`; returns the violations."""
    found: list[str] = []
    for role in (*STANDING_ROLES, "web admin"):
        if role == "web admin":  # the company_admin in a browser: a web sign-in, no device
            actor = mine.web_admin()
        else:
            actor = fresh_actor(mine, role) if case.self_harm else mine.people[role]
        calls: list[tuple[str, Call, bool]] = []
        own = Ctx(mine, actor, mine.target(actor))
        if case.aim != "none":
            for label, target in foreign_targets(case, other):
                calls.append((label, build_call(key, case, Ctx(mine, actor, target)), True))
        elif case.foreign_body is not None:
            body = case.foreign_body(own, other)
            calls.append(("body", build_call(key, case, own, body), case.foreign_refused))
        else:
            calls.append(("own", build_call(key, case, own), False))
        for label, call, must_fail in calls:
            r = send(call, own, case.access == "public")
            where = f"{key} by {mine.tag} {role} at {other.tag} {label}"
            if r.status_code >= 500 or r.status_code == 429:
                found.append(f"{where}: {r.status_code} {r.text[:200]}")
            elif must_fail and r.status_code not in DENIED:
                found.append(f"{where}: answered {r.status_code}, expected a refusal")
            if leaked := leaks(r, call, other):
                found.append(f"{where}: the answer shows {other.tag}'s {leaked}")
    return found


def test_every_route_is_exercised(app: FastAPI) -> None:
    """A new route must get a Case in tenancy_routes, so it is covered by the tests below."""
    schema = app.openapi()
    routes = {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}
    assert sorted(routes - CASES.keys()) == [], "routes without a Case in tenancy_routes.CASES"
    assert sorted(CASES.keys() - routes) == [], "Cases for routes that no longer exist"


@pytest.mark.slow
def test_no_one_reaches_another_company(world: tuple[Company, Company]) -> None:
    acme, globex = world
    for mine, other in ((acme, globex), (globex, acme)):
        before = snapshot(other)
        violations: list[str] = []
        for key, case in CASES.items():
            if case.access != "public" or case.foreign_body is not None:
                violations += probe_other_company(mine, other, key, case)
        assert violations == [], "\n".join(violations)
        assert snapshot(other) == before, f"{mine.tag} changed something of {other.tag}"


def probe_own_company(company: Company, key: str, case: Case) -> list[str]:
    """People without the right role, and sub_admins outside their teams, are refused."""
    allowed = ROLES_FOR_ACCESS[case.access]
    people = company.people
    attempts: list[tuple[str, str, Any]] = []  # (who, at what, target)
    for role in STANDING_ROLES:
        if role not in allowed:
            attempts.append((role, "member", company.target(people["member"])))
    if case.access == "A" and case.aim == "user":
        attempts.append(("sub", "outsider", company.target(people["outsider"])))
    if case.access == "A" and case.aim == "team":
        attempts.append(
            ("sub", "other team", company.target(people["member"], company.other_team_id))
        )
    if case.aim == "self":
        attempts.append(("member", "outsider's", company.target(people["outsider"])))
    found = []
    for role, label, target in attempts:
        ctx = Ctx(company, people[role], target)
        call = build_call(key, case, ctx)
        r = send(call, ctx, public=False)
        if r.status_code not in DENIED:
            found.append(f"{key} by {role} at {label}: answered {r.status_code} {r.text[:150]}")
    return found


ESCALATIONS = [
    # (who, method, path template, body, why it must be refused)
    (
        "sub",
        "POST",
        "/api/users/invite",
        {
            "email": "boss2@acme.example",
            "name": "x",
            "role": "company_admin",
            "team_ids": ["{team_id}"],
        },
        "a sub_admin invites a company_admin",
    ),
    (
        "sub",
        "POST",
        "/api/users/invite",
        {
            "email": "loose@acme.example",
            "name": "x",
            "role": "user",
            "team_ids": ["{other_team_id}"],
        },
        "a sub_admin invites into a team they do not manage",
    ),
    (
        "sub",
        "PATCH",
        "/api/users/{member}",
        {"role": "company_admin"},
        "a sub_admin changes a role",
    ),
    (
        "sub",
        "PATCH",
        "/api/users/{sub}",
        {"role": "company_admin"},
        "a sub_admin promotes themselves",
    ),
    (
        "sub",
        "PUT",
        "/api/teams/{team_id}/members",
        {"user_ids": ["{member}", "{outsider}"]},
        "a sub_admin pulls someone from outside their teams into their team",
    ),
    ("sub", "POST", "/api/users/{admin}/suspend", None, "a sub_admin suspends the company_admin"),
    (
        "member",
        "PATCH",
        "/api/users/{member}",
        {"role": "company_admin"},
        "a user promotes themselves",
    ),
]


def fill(text: str, company: Company) -> str:
    ids = {role: p.user_id for role, p in company.people.items()}
    return text.format(team_id=company.team_id, other_team_id=company.other_team_id, **ids)


def test_no_role_does_more_than_it_may(world: tuple[Company, Company]) -> None:
    acme, _ = world
    before = snapshot(acme)
    violations: list[str] = []
    for key, case in CASES.items():
        if case.access != "public":
            violations += probe_own_company(acme, key, case)
    for role, method, path, body, why in ESCALATIONS:
        body = {
            k: [fill(i, acme) for i in v] if isinstance(v, list) else fill(str(v), acme)
            for k, v in (body or {}).items()
        } or None
        r = acme.people[role].caller.call(method, fill(path, acme), json=body)
        if r.status_code not in DENIED:
            violations.append(f"{why}: answered {r.status_code} {r.text[:150]}")
    assert violations == [], "\n".join(violations)
    assert snapshot(acme) == before, "a refused call changed something"


def allowed_target(company: Company, case: Case, actor: Person) -> Any:
    if case.aim in ("user", "team"):
        return company.fresh_target(actor if actor.role == "sub" else company.people["sub"])
    return company.target(actor, actor.managed_team_id or None)


@pytest.mark.slow
def test_every_route_works_for_those_allowed(world: tuple[Company, Company]) -> None:
    """The refusals above mean something: each route answers 2xx for each role it allows."""
    acme, _ = world
    failures = []
    for key, case in CASES.items():
        for role in ROLES_FOR_ACCESS[case.access]:
            actor = fresh_actor(acme, role)
            ctx = Ctx(acme, actor, allowed_target(acme, case, actor))
            if case.prepare is not None:
                ctx.extra = case.prepare(ctx) or {}
            r = send(build_call(key, case, ctx), ctx, case.access == "public")
            if not 200 <= r.status_code < 300:
                failures.append(f"{key} by {role}: {r.status_code} {r.text[:200]}")
    assert failures == [], "\n".join(failures)


def today_iso() -> str:
    return dt.date.today().isoformat()


def ids(response: Any, key: str = "id") -> set[str]:
    return {str(item[key]) for item in expect(response, 200)}


def test_lists_show_only_whom_the_role_manages(world: tuple[Company, Company]) -> None:
    acme, globex = world
    admin, sub = acme.admin.caller, acme.people["sub"].caller
    member = acme.people["member"]
    everyone = {p.user_id for p in acme.people.values()}
    assert ids(admin.call("GET", "/api/users")) == everyone | {acme.invitee_id}
    assert ids(sub.call("GET", "/api/users")) == {member.user_id, acme.invitee_id}
    assert ids(admin.call("GET", "/api/teams")) == {acme.team_id, acme.other_team_id}
    assert ids(sub.call("GET", "/api/teams")) == {acme.team_id}
    assert ids(admin.call("GET", "/api/admin/presence"), "user_id") == everyone
    assert ids(sub.call("GET", "/api/admin/presence"), "user_id") == {member.user_id}
    assert ids(admin.call("GET", "/api/admin/sessions/active"), "user_id") == everyone
    assert ids(sub.call("GET", "/api/admin/sessions/active"), "user_id") == {member.user_id}
    export = admin.call("GET", "/api/admin/sessions/export", params={"date": today_iso()})
    assert {row["company_id"] for row in expect(export, 200)["rows"]} == {acme.company_id}
    [seen] = expect(member.caller.call("GET", "/api/me/access-log"), 200)
    assert seen["viewer_id"] == acme.admin.user_id
    assert expect(globex.people["member"].caller.call("GET", "/api/me/access-log"), 200) != [seen]
    grant = expect(member.caller.call("POST", "/api/agent/storage-grant"), 200)
    assert (grant["company_id"], grant["user_id"]) == (acme.company_id, member.user_id)
    assert f"company={acme.company_id}/user={member.user_id}/" in grant["landing_prefix"]


def test_a_refresh_token_works_only_on_its_own_device(world: tuple[Company, Company]) -> None:
    acme, globex = world
    thief = fresh_actor(acme, "member")
    r = acme.client.post(
        "/api/auth/refresh",
        json={"refresh_token": thief.refresh_token},
        headers={"X-Device-ID": globex.people["member"].device_id},
    )
    assert r.status_code == 401
    assert globex.people["member"].caller.call("GET", "/api/me").status_code == 200


def test_an_email_taken_in_another_company_reveals_nothing_more(
    world: tuple[Company, Company],
) -> None:
    """Emails are unique across companies (sign-in is by email), so inviting one that another
    company uses must fail; the refusal names neither that company nor the person's id."""
    acme, globex = world
    taken = globex.people["member"]
    body = {"email": taken.email, "name": "someone", "role": "user", "team_ids": []}
    r = acme.admin.caller.call("POST", "/api/users/invite", json=body)
    assert r.status_code == 409
    shown = {s for s in globex.secrets() if s in r.text}
    assert not shown & {globex.company_id, globex.name, taken.user_id, taken.name}


def test_own_teams_cannot_take_in_another_companys_people(
    world: tuple[Company, Company],
) -> None:
    acme, globex = world
    before = snapshot(globex)
    admin, team = acme.admin.caller, acme.team_id
    for role_path, person in (("members", "member"), ("admins", "sub")):
        body = {"user_ids": [globex.people[person].user_id]}
        r = admin.call("PUT", f"/api/teams/{team}/{role_path}", json=body)
        assert r.status_code in DENIED, f"{role_path}: {r.status_code} {r.text}"
    [mine] = [t for t in expect(admin.call("GET", "/api/teams"), 200) if t["id"] == team]
    assert mine["member_ids"] == sorted([acme.people["member"].user_id, acme.invitee_id])
    assert mine["admin_ids"] == [acme.people["sub"].user_id]
    assert snapshot(globex) == before


def test_no_one_reinvites_another_companys_invitee(world: tuple[Company, Company]) -> None:
    """A new invitation hands out a token that sets the password: only the own company's
    admins (a sub_admin: for their teams) may ask for one."""
    acme, globex = world
    for role in STANDING_ROLES:
        caller = acme.people[role].caller
        r = caller.call("POST", f"/api/users/{globex.invitee_id}/invite")
        assert r.status_code in DENIED, f"{role}: {r.status_code} {r.text}"
        assert "invite_token" not in r.text
    outsider_team_invitee, _ = acme.invite(acme.other_team_id)
    r = acme.people["sub"].caller.call("POST", f"/api/users/{outsider_team_invitee}/invite")
    assert r.status_code in DENIED, "a sub_admin re-invited someone outside their teams"
    accepted = globex.client.post(
        "/api/auth/accept-invite", json={"token": globex.invite_token, "password": PASSWORD}
    )
    assert accepted.status_code == 200, "the invitee's own invitation stopped working"
