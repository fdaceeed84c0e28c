"""How to exercise every route of the API: who may call it and what its path and body point at.

A route missing here fails `test_every_route_is_exercised`, so a new route cannot slip past the
isolation tests: add a `Case` for it.

access: "public" (no token), "U" (anyone signed in), "A" (company_admin or sub_admin; a sub_admin
only for the members of their teams), "C" (company_admin only).
aim: what the path parameters point at — "none", "self" (the caller's own device, session or
command), "user" (someone the caller manages) or "team".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from callers import PASSWORD
from tenancy_world import Company, Person, Target, expect, now_iso, unique


@dataclass
class Ctx:
    company: Company  # the caller's company
    actor: Person
    target: Target
    extra: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Ctx], Any]
ForeignBuilder = Callable[[Ctx, Company], Any]


@dataclass(frozen=True)
class Case:
    access: str
    aim: str = "none"
    body: Builder | None = None
    query: Builder | None = None
    foreign_body: ForeignBuilder | None = None  # the body pointing at another company's things
    foreign_refused: bool = True  # False: the call may succeed but must leave the other alone
    prepare: Builder | None = None  # run before the allowed call; its result is ctx.extra
    self_harm: bool = False  # the call may sign the caller out: use a throwaway caller
    headers: Builder | None = None  # public routes: the headers to send


def today(_: Ctx) -> dict[str, str]:
    day = dt.date.today().isoformat()
    return {"from": day, "to": day}


def change(_: Ctx) -> dict[str, str]:
    return {"event_id": unique("ev"), "ts": now_iso()}


def invite_token(ctx: Ctx) -> dict[str, Any]:
    body = {"email": f"{unique('invitee')}@{ctx.company.tag}.example", "name": "invitee"}
    return {
        "token": expect(ctx.company.admin.caller.call("POST", "/api/users/invite", json=body), 201)[
            "invite_token"
        ]
    }


def paused(ctx: Ctx) -> None:
    path = ctx.target.fill("/api/me/sessions/{session_id}/pause")
    expect(ctx.actor.caller.call("POST", path, json=change(ctx)), 200)


def invited_target(ctx: Ctx) -> None:
    """Point the call at someone invited into the target's team (only they can be re-invited)."""
    ctx.target.user_id, _ = ctx.company.invite(ctx.target.team_id)


def device(_: Ctx) -> dict[str, str]:
    return {"id": unique("dev"), "name": "laptop", "os": "Linux", "agent_version": "0.1"}


def invite_body(ctx: Ctx) -> dict[str, Any]:
    return {
        "email": f"{unique('new')}@{ctx.company.tag}.example",
        "name": "new person",
        "role": "user",
        "team_ids": [ctx.target.team_id],
    }


def foreign_team_invite(ctx: Ctx, other: Company) -> dict[str, Any]:
    return {**invite_body(ctx), "team_ids": [other.team_id]}


def foreign_override(_: Ctx, other: Company) -> dict[str, Any]:
    return {"productivity": {"team_overrides": {other.team_id: []}}}


def foreign_subject(_: Ctx, other: Company) -> dict[str, Any]:
    return {"subject_user_id": other.people["member"].user_id, "resource": "timeline"}


def foreign_refresh(ctx: Ctx, other: Company) -> dict[str, Any]:
    return {"refresh_token": other.people["member"].refresh_token}


CASES: dict[str, Case] = {
    "GET /health": Case("public"),
    "POST /api/auth/login": Case(
        "public", body=lambda c: {"email": c.actor.email, "password": PASSWORD, "device": device(c)}
    ),
    "POST /api/auth/refresh": Case(
        "public",
        body=lambda c: {"refresh_token": c.actor.refresh_token},
        headers=lambda c: {"X-Device-ID": c.actor.device_id},
    ),
    "POST /api/auth/accept-invite": Case(
        "public",
        prepare=invite_token,
        body=lambda c: {"token": c.extra["token"], "password": PASSWORD},
    ),
    "POST /api/auth/logout": Case(
        "U", body=lambda c: {}, foreign_body=foreign_refresh, foreign_refused=False, self_harm=True
    ),
    "GET /api/me": Case("U"),
    "GET /api/users": Case("A"),
    "POST /api/users/invite": Case("A", body=invite_body, foreign_body=foreign_team_invite),
    "POST /api/users/{user_id}/invite": Case("A", "user", prepare=invited_target),
    "GET /api/users/{user_id}": Case("A", "user"),
    "PATCH /api/users/{user_id}": Case("A", "user", body=lambda c: {"name": unique("renamed")}),
    "POST /api/users/{user_id}/suspend": Case("A", "user"),
    "POST /api/users/{user_id}/reactivate": Case("A", "user"),
    "GET /api/teams": Case("A"),
    "POST /api/teams": Case("C", body=lambda c: {"name": unique("team")}),
    "PATCH /api/teams/{team_id}": Case("C", "team", body=lambda c: {"name": unique("team")}),
    "DELETE /api/teams/{team_id}": Case("C", "team"),
    "PUT /api/teams/{team_id}/members": Case(
        "A", "team", body=lambda c: {"user_ids": [c.target.user_id]}
    ),
    "PUT /api/teams/{team_id}/admins": Case(
        "C", "team", body=lambda c: {"user_ids": [c.company.people["sub"].user_id]}
    ),
    "GET /api/me/devices": Case("U"),
    "DELETE /api/me/devices/{device_id}": Case("U", "self", self_harm=True),
    "GET /api/users/{user_id}/devices": Case("A", "user"),
    "DELETE /api/users/{user_id}/devices/{device_id}": Case("A", "user"),
    "POST /api/me/sessions": Case(
        "U",
        body=lambda c: {"id": unique("sess"), "event_id": unique("ev"), "ts": now_iso()},
        prepare=lambda c: c.actor.caller.call(
            "POST", c.target.fill("/api/me/sessions/{session_id}/end"), json=change(c)
        ),
    ),
    "POST /api/me/sessions/{session_id}/pause": Case("U", "self", body=change),
    "POST /api/me/sessions/{session_id}/resume": Case("U", "self", body=change, prepare=paused),
    "POST /api/me/sessions/{session_id}/end": Case(
        "U", "self", body=lambda c: {**change(c), "summary": {}}
    ),
    "POST /api/me/sessions/{session_id}/events": Case(
        "U", "self", body=lambda c: {**change(c), "kind": "idle_start"}
    ),
    "GET /api/me/sessions/current": Case("U"),
    "GET /api/me/sessions": Case("U", query=today),
    "GET /api/users/{user_id}/sessions": Case("A", "user", query=today),
    "POST /api/agent/heartbeat": Case("U", body=lambda c: {"status": "working"}),
    "POST /api/agent/commands/{command_id}/ack": Case("U", "self", self_harm=True),
    "POST /api/agent/storage-grant": Case("U"),
    "GET /api/rules": Case("U"),
    "PUT /api/rules": Case("C", body=lambda c: {}, foreign_body=foreign_override),
    "POST /api/audit/access": Case(
        "A",
        "user",
        body=lambda c: {"subject_user_id": c.target.user_id, "resource": "timeline"},
        foreign_body=foreign_subject,
    ),
    "GET /api/me/access-log": Case("U"),
    "GET /api/admin/sessions/active": Case("A"),
    "POST /api/admin/sessions/{user_id}/{session_id}/force-end": Case("A", "user"),
    "GET /api/admin/sessions/export": Case(
        "C", query=lambda c: {"date": dt.date.today().isoformat()}
    ),
    "GET /api/admin/presence": Case("A"),
    "POST /api/admin/users/{user_id}/devices/{device_id}/force-logout": Case("A", "user"),
    "GET /api/admin/company": Case("A"),
    "PATCH /api/admin/company": Case("C", body=lambda c: {"max_devices_per_user": 100}),
}

ROLES_FOR_ACCESS = {
    "public": ("member",),
    "U": ("admin", "sub", "member", "outsider"),
    "A": ("admin", "sub"),
    "C": ("admin",),
}


@dataclass(frozen=True)
class Call:
    """One request as sent, and the strings it carried (an echo of them is not a leak)."""

    method: str
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    def carried(self) -> str:
        return f"{self.path} {self.json!r} {self.params!r} {self.headers!r}"


def build_call(key: str, case: Case, ctx: Ctx, body: Any = None) -> Call:
    method, path = key.split(" ", 1)
    json = body if body is not None else (case.body(ctx) if case.body else None)
    return Call(
        method,
        ctx.target.fill(path),
        json,
        case.query(ctx) if case.query else None,
        case.headers(ctx) if case.headers else None,
    )


def send(call: Call, ctx: Ctx, public: bool) -> Any:
    """Send as the actor (or without a token for public routes)."""
    if public:
        return ctx.company.client.request(
            call.method, call.path, json=call.json, params=call.params, headers=call.headers
        )
    return ctx.actor.caller.call(call.method, call.path, json=call.json, params=call.params)
