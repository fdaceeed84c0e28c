"""Probes for the tenant isolation tests: who calls what, aimed at which company's things, and
what counts as a violation (a success where a refusal was due, a 5xx, or the other company's
data in an answer)."""

from __future__ import annotations

from typing import Any

from tenancy_routes import ROLES_FOR_ACCESS, Call, Case, Ctx, build_call, send
from tenancy_world import STANDING_ROLES, Company, Person

DENIED = frozenset({401, 403, 404, 409, 422})


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


def allowed_target(company: Company, case: Case, actor: Person) -> Any:
    if case.aim in ("user", "team"):
        return company.fresh_target(actor if actor.role == "sub" else company.people["sub"])
    return company.target(actor, actor.managed_team_id or None)
