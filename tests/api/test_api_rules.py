"""Monitoring rules: defaults, validation with reasons, versions, team overrides, roles."""

from __future__ import annotations

from callers import Caller


def test_rules_are_validated_with_reasons(admin: Caller) -> None:
    bad = {
        "screenshots": {"per_hour": 31, "monitor_mode": "selected"},
        "working_hours": {"time_zone": "Mars/Base", "start": "18:00", "end": "09:00"},
        "tracking": {"title_masks": ["(unclosed"]},
    }
    r = admin.call("PUT", "/api/rules", json=bad)
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "per_hour" in message
    assert admin.call("PUT", "/api/rules", json={"surprise": 1}).status_code == 422
    assert admin.call("GET", "/api/rules").json()["version"] == 1


def test_rules_are_versioned_and_read_by_everyone(admin: Caller, make_user) -> None:
    doc = {
        "screenshots": {
            "per_hour": 12,
            "blur": True,
            "monitor_mode": "selected",
            "monitor_ids": [2],
            "combine_monitors": False,
            "format": "jpeg",
            "quality": 60,
        },
        "tracking": {
            "sensitive_apps": ["keepassxc"],
            "blocked_domains": ["bank.example"],
            "title_masks": ["\\d{16}"],
            "idle_threshold_seconds": 120,
        },
        "working_hours": {"enabled": True, "time_zone": "Europe/Berlin", "days": ["mon"]},
        "retention_days": 30,
        "productivity": {"rules": [{"match": "app", "pattern": "code", "category": "productive"}]},
    }
    saved = admin.call("PUT", "/api/rules", json=doc).json()
    assert saved["version"] == 2
    worker: Caller = make_user()
    got = worker.call("GET", "/api/rules").json()
    assert got["rules"]["screenshots"]["monitor_ids"] == [2]
    assert got["rules"]["working_hours"]["time_zone"] == "Europe/Berlin"
    assert worker.call("PUT", "/api/rules", json=doc).status_code == 403


def test_team_overrides_must_name_teams_of_the_company(admin: Caller) -> None:
    rule = [{"match": "domain", "pattern": "youtube", "category": "productive"}]
    r = admin.call("PUT", "/api/rules", json={"productivity": {"team_overrides": {"nope": rule}}})
    assert r.status_code == 422
    team = admin.call("POST", "/api/teams", json={"name": "Video"}).json()
    r = admin.call(
        "PUT", "/api/rules", json={"productivity": {"team_overrides": {team["id"]: rule}}}
    )
    assert r.status_code == 200


def test_working_hours_are_wall_clock_times(admin: Caller) -> None:
    r = admin.call("PUT", "/api/rules", json={"working_hours": {"start": "08:00+02:00"}})
    assert r.status_code == 422
    assert "working_hours.start" in r.json()["error"]["message"]
    r = admin.call("PUT", "/api/rules", json={"working_hours": {"start": "07:30", "end": "16:00"}})
    assert r.json()["rules"]["working_hours"]["start"] == "07:30"
