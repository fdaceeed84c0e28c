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
from tenancy_probes import (
    DENIED,
    ESCALATIONS,
    allowed_target,
    fill,
    fresh_actor,
    probe_other_company,
    probe_own_company,
)
from tenancy_routes import CASES, ROLES_FOR_ACCESS, Ctx, build_call, send
from tenancy_world import STANDING_ROLES, Company, build_company, expect, snapshot

from api.config import Settings

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def world(settings: Settings, app: FastAPI) -> Iterator[tuple[Company, Company]]:
    """Acme and Globex, built through one app over the same database."""
    with TestClient(app, client=("198.51.100.9", 40000)) as client:
        yield build_company("acme", settings, client), build_company("globex", settings, client)


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
