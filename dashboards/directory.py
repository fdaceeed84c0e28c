"""What the dashboards ask the API: who the viewer is, people and teams, presence, rules, audit.

Every call goes through `ApiClient` with the viewer's own token, so the API scopes every
answer to the viewer's company (and a sub-admin's teams) — the dashboards never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboards.api_client import ApiClient

# The API's routes, in one place (relative to the API base URL).
ROUTES: dict[str, str] = {
    "me": "/api/me",
    "users": "/api/users",
    "invitations": "/api/users/invite",
    "teams": "/api/teams",
    "team_members": "/api/teams/{team_id}/members",
    "user_devices": "/api/users/{user_id}/devices",
    "device": "/api/users/{user_id}/devices/{device_id}",
    "presence": "/api/admin/presence",
    "active_sessions": "/api/admin/sessions/active",
    "force_end": "/api/admin/sessions/{user_id}/{session_id}/force-end",
    "rules": "/api/rules",
    "audit": "/api/audit/access",
}


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str
    role: str
    status: str
    team_ids: tuple[str, ...]


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    member_ids: tuple[str, ...]
    admin_ids: tuple[str, ...] = ()


def people(client: ApiClient) -> list[Person]:
    """The people the viewer may see (the API scopes this to the viewer's company/teams)."""
    return [
        Person(
            user_id=str(u["id"]),
            name=str(u.get("name") or u.get("email", "")),
            email=str(u.get("email", "")),
            role=str(u.get("role", "user")),
            status=str(u.get("status", "active")),
            team_ids=tuple(str(t) for t in u.get("team_ids", ())),
        )
        for u in _items(client.request("GET", ROUTES["users"]))
    ]


def teams(client: ApiClient) -> list[Team]:
    return [
        Team(
            team_id=str(t["id"]),
            name=str(t["name"]),
            member_ids=tuple(str(m) for m in t.get("member_ids", ())),
            admin_ids=tuple(str(m) for m in t.get("admin_ids", ())),
        )
        for t in _items(client.request("GET", ROUTES["teams"]))
    ]


def presence(client: ApiClient) -> list[dict[str, Any]]:
    """Per device: online, status, session id and start, current app (where allowed), last seen."""
    devices = _items(client.request("GET", ROUTES["presence"]))
    sessions = {
        (str(s["user_id"]), str(s["id"])): s
        for s in _items(client.request("GET", ROUTES["active_sessions"]))
    }
    for device in devices:
        session = sessions.get((str(device.get("user_id")), str(device.get("session_id"))))
        device["session_started_at"] = session["started_at"] if session else None
        device["session_state"] = session["state"] if session else None
    return devices


def force_end_session(client: ApiClient, user_id: str, session_id: str) -> None:
    client.request("POST", ROUTES["force_end"].format(user_id=user_id, session_id=session_id))


def rules(client: ApiClient) -> dict[str, Any]:
    body = client.request("GET", ROUTES["rules"])
    return dict(body.get("rules", body)) if isinstance(body, dict) else {}


def save_rules(client: ApiClient, document: dict[str, Any]) -> dict[str, Any]:
    """Save the company's rules; the API validates them (ApiError 422 says what is wrong)."""
    body = client.request("PUT", ROUTES["rules"], json=document)
    return dict(body) if isinstance(body, dict) else {}


def invite(client: ApiClient, email: str, name: str, role: str, team_ids: list[str]) -> Any:
    payload = {"email": email, "name": name, "role": role, "team_ids": team_ids}
    return client.request("POST", ROUTES["invitations"], json=payload)


def create_team(client: ApiClient, name: str) -> Any:
    return client.request("POST", ROUTES["teams"], json={"name": name})


def set_team_members(client: ApiClient, team_id: str, user_ids: list[str]) -> Any:
    path = ROUTES["team_members"].format(team_id=team_id)
    return client.request("PUT", path, json={"user_ids": user_ids})


def devices(client: ApiClient, user_id: str) -> list[dict[str, Any]]:
    return list(_items(client.request("GET", ROUTES["user_devices"].format(user_id=user_id))))


def revoke_device(client: ApiClient, user_id: str, device_id: str) -> None:
    client.request("DELETE", ROUTES["device"].format(user_id=user_id, device_id=device_id))


def record_access(client: ApiClient, subject_user_id: str, resource: str, detail: str) -> None:
    """Write who looked at whose data into the API's audit log (before showing it).

    `resource` is one of the API's: timeline, screenshots, activity, sessions, apps.
    """
    payload = {"subject_user_id": subject_user_id, "resource": resource, "detail": detail}
    client.request("POST", ROUTES["audit"], json=payload)


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        for key in ("items", "data", "users", "teams", "devices", "presence"):
            if isinstance(body.get(key), list):
                return list(body[key])
        return []
    return list(body or [])


def with_categories(
    document: dict[str, Any], match: str, changes: dict[str, str]
) -> dict[str, Any]:
    """The rules document with `changes` ({app or domain: category}) as productivity rules.

    A changed name replaces any earlier rule for exactly that name; other rules stay in order.
    """
    productivity = dict(document.get("productivity") or {})
    lowered = {name.lower() for name in changes}
    kept = [
        r
        for r in productivity.get("rules", [])
        if not (r.get("match") == match and str(r.get("pattern", "")).lower() in lowered)
    ]
    added = [{"match": match, "pattern": n, "category": c} for n, c in sorted(changes.items())]
    return {**document, "productivity": {**productivity, "rules": kept + added}}
