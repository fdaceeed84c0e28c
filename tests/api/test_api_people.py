"""Invitations (through a real local SMTP server), roles, teams and sub_admin scoping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from callers import Caller, sign_in
from conftest import free_port
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Bootstrapped
from api.config import Settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_an_invite_is_mailed_and_the_invitee_sets_a_password(
    settings: Settings, company: Bootstrapped, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    mail_settings = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )
    with TestClient(create_app(mail_settings)) as client:
        boss = sign_in(client, "boss@acme.example")
        r = boss.call(
            "POST", "/api/users/invite", json={"email": "New@Acme.example", "name": "Nina"}
        )
        assert r.status_code == 201
        body = r.json()
        assert body["emailed"] is True
        assert body["invite_token"] is None
        assert body["user"]["status"] == "invited"
        [(to, text)] = inbox.messages
        assert to == ["new@acme.example"]
        token = re.search(r"invitation code: ([A-Za-z0-9_-]+)", text).group(1)  # type: ignore[union-attr]
        short = client.post("/api/auth/accept-invite", json={"token": token, "password": "short"})
        assert short.json()["error"]["code"] == "password_too_short"
        r = client.post(
            "/api/auth/accept-invite", json={"token": token, "password": "a long new password"}
        )
        assert r.json()["status"] == "active"
        again = client.post(
            "/api/auth/accept-invite", json={"token": token, "password": "another password"}
        )
        assert again.json()["error"]["code"] == "invite_invalid"
        nina = sign_in(client, "new@acme.example", "a long new password")
        assert nina.login["user"]["name"] == "Nina"


def test_without_mail_the_admin_gets_the_link(client: TestClient, admin: Caller) -> None:
    body = admin.call(
        "POST", "/api/users/invite", json={"email": "x@acme.example", "name": "X"}
    ).json()
    assert body["emailed"] is False
    assert body["invite_url"].endswith(body["invite_token"])
    assert (
        client.post(
            "/api/auth/accept-invite",
            json={"token": body["invite_token"], "password": "long enough password"},
        ).status_code
        == 200
    )
    again = admin.call("POST", f"/api/users/{body['user']['id']}/invite")
    assert again.json()["error"]["code"] == "not_invited"
    dup = admin.call("POST", "/api/users/invite", json={"email": "x@acme.example", "name": "X"})
    assert dup.json()["error"]["code"] == "email_taken"


def test_an_invited_person_cannot_log_in_before_setting_a_password(
    client: TestClient, admin: Caller
) -> None:
    admin.call("POST", "/api/users/invite", json={"email": "y@acme.example", "name": "Y"})
    r = client.post(
        "/api/auth/login", json={"email": "y@acme.example", "password": "", "device": {"id": "d"}}
    )
    assert r.status_code == 422
    r = client.post(
        "/api/auth/login", json={"email": "y@acme.example", "password": "x", "device": {"id": "d"}}
    )
    assert r.status_code == 401


def test_a_sub_admin_sees_and_manages_only_their_teams(admin: Caller, make_user) -> None:
    red = admin.call("POST", "/api/teams", json={"name": "Red"}).json()
    blue = admin.call("POST", "/api/teams", json={"name": "Blue"}).json()
    in_red: Caller = make_user(team_ids=(red["id"],))
    in_blue: Caller = make_user(team_ids=(blue["id"],))
    lead: Caller = make_user(role="sub_admin")
    assert (
        admin.call(
            "PUT", f"/api/teams/{red['id']}/admins", json={"user_ids": [lead.user_id]}
        ).status_code
        == 200
    )
    assert [t["name"] for t in lead.call("GET", "/api/teams").json()] == ["Red"]
    assert {u["id"] for u in lead.call("GET", "/api/users").json()} == {in_red.user_id}
    assert lead.call("GET", f"/api/users/{in_blue.user_id}").status_code == 404
    assert lead.call("POST", f"/api/users/{in_blue.user_id}/suspend").status_code == 404
    assert lead.call("GET", f"/api/users/{in_red.user_id}/devices").status_code == 200
    assert lead.call("POST", f"/api/users/{in_red.user_id}/suspend").json()["status"] == "suspended"
    # Invitations by a sub_admin go into their own teams, as plain users.
    ok = lead.call(
        "POST",
        "/api/users/invite",
        json={"email": "r2@acme.example", "name": "R", "team_ids": [red["id"]]},
    )
    assert ok.status_code == 201
    for bad in (
        {"team_ids": [blue["id"]]},
        {"team_ids": []},
        {"team_ids": [red["id"]], "role": "sub_admin"},
    ):
        r = lead.call(
            "POST", "/api/users/invite", json={"email": "r3@acme.example", "name": "R", **bad}
        )
        assert r.status_code == 403, bad
    assert lead.call("POST", "/api/teams", json={"name": "Mine"}).status_code == 403


def test_plain_users_reach_no_admin_route(make_user) -> None:
    worker: Caller = make_user()
    for method, path in (
        ("GET", "/api/users"),
        ("GET", "/api/teams"),
        ("GET", "/api/admin/presence"),
        ("GET", "/api/admin/sessions/active"),
        ("POST", "/api/audit/access"),
    ):
        assert worker.call(method, path, json={}).status_code == 403, path


def test_roles_change_only_by_a_company_admin(admin: Caller, make_user) -> None:
    worker: Caller = make_user()
    r = admin.call("PATCH", f"/api/users/{worker.user_id}", json={"role": "sub_admin", "name": "W"})
    assert (r.json()["role"], r.json()["name"]) == ("sub_admin", "W")
    assert (
        admin.call("PATCH", f"/api/users/{admin.user_id}", json={"role": "user"}).status_code == 403
    )


def test_the_access_log_shows_who_looked(admin: Caller, make_user) -> None:
    worker: Caller = make_user()
    r = admin.call(
        "POST",
        "/api/audit/access",
        json={"subject_user_id": worker.user_id, "resource": "screenshots", "detail": "2026-11-20"},
    )
    assert r.status_code == 204
    admin.call(
        "POST", "/api/audit/access", json={"subject_user_id": admin.user_id, "resource": "timeline"}
    )
    [entry] = worker.call("GET", "/api/me/access-log").json()
    assert (entry["viewer_name"], entry["resource"], entry["detail"]) == (
        "Boss",
        "screenshots",
        "2026-11-20",
    )
    assert admin.call("GET", "/api/me/access-log").json() == []


def test_a_new_invitation_replaces_the_old_one(client: TestClient, admin: Caller) -> None:
    first = admin.call("POST", "/api/users/invite", json={"email": "z@acme.example", "name": "Z"})
    user_id = first.json()["user"]["id"]
    second = admin.call("POST", f"/api/users/{user_id}/invite").json()
    old = client.post(
        "/api/auth/accept-invite",
        json={"token": first.json()["invite_token"], "password": "long enough password"},
    )
    assert old.json()["error"]["code"] == "invite_invalid"
    new = client.post(
        "/api/auth/accept-invite",
        json={"token": second["invite_token"], "password": "long enough password"},
    )
    assert new.json()["status"] == "active"


def test_seeding_a_team_with_its_sub_admin(
    settings: Settings, company: Bootstrapped, make_user
) -> None:
    from api.bootstrap import add_team

    lead: Caller = make_user(role="sub_admin")
    team_id = add_team(
        settings, company_id=company.company_id, name="Ops", admin_ids=(lead.user_id,)
    )
    [team] = lead.call("GET", "/api/teams").json()
    assert (team["id"], team["name"], team["admin_ids"]) == (team_id, "Ops", [lead.user_id])
