"""Heartbeats against a live API: admin commands are obeyed within one beat."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from test_worksession import ListRecorder

from collector.api_client import ApiClient
from collector.credentials import FileTokenStore
from collector.grant import GrantedStore
from collector.heartbeat import Heartbeat
from collector.worksession import WorkSession

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)


class Device:
    """A signed-in collector's session control and heartbeat, with a recorder stand-in."""

    def __init__(self, live_api: LiveApi, folder: Path, grant: bool = False) -> None:
        self.api = ApiClient(live_api.url, FileTokenStore(folder / "creds"), timeout_seconds=5)
        self.device_id = uuid.uuid4().hex
        answer = self.api.login(live_api.employee_email, live_api.password, self.device_id, "0.1")
        self.user_id = answer["user"]["id"]
        self.recorder = ListRecorder()
        self.work = WorkSession(folder / "work", self.api, self.recorder)
        self.rules: list[dict[str, Any]] = []
        self.signed_out: list[str] = []
        self.grant = GrantedStore(self.api) if grant else None
        self.heartbeat = Heartbeat(
            self.api,
            self.work,
            report=lambda: {"status": "working", "queue_sizes": {"spool": 0}},
            apply_rules=self.rules.append,
            on_signed_out=self.signed_out.append,
            grant=self.grant,
        )


def test_force_end_stops_recording_within_one_beat(live_api: LiveApi, tmp_path: Path) -> None:
    device = Device(live_api, tmp_path)
    session_id = device.work.start()
    assert device.heartbeat.beat().commands == []
    admin = live_api.admin()
    admin.call("POST", f"/admin/sessions/{device.user_id}/{session_id}/force-end")
    assert device.heartbeat.beat().commands == ["end_session"]
    assert device.recorder.calls[-1] == "stop:force_end"
    assert device.work.current.state == "stopped"
    assert device.heartbeat.beat().commands == []  # acknowledged: not delivered twice


def test_new_rules_are_applied_at_once(live_api: LiveApi, tmp_path: Path) -> None:
    device = Device(live_api, tmp_path)
    device.heartbeat.beat()
    admin = live_api.admin()
    document = admin.call("GET", "/rules")["rules"]
    document["tracking"]["titles"] = False
    document["screenshots"]["per_hour"] = 0
    admin.call("PUT", "/rules", json=document)
    assert device.heartbeat.beat().commands == ["new_rules"]
    assert device.rules[-1]["rules"]["tracking"]["titles"] is False
    assert device.heartbeat.rules_version == device.rules[-1]["version"]
    assert device.heartbeat.beat().commands == []


def test_force_logout_wipes_tokens_and_stops(live_api: LiveApi, tmp_path: Path) -> None:
    device = Device(live_api, tmp_path)
    session_id = device.work.start()
    admin = live_api.admin()
    admin.call("POST", f"/admin/users/{device.user_id}/devices/{device.device_id}/force-logout")
    assert device.heartbeat.beat().commands == ["force_logout"]
    assert device.recorder.calls[-1] == "stop"
    assert device.api.signed_in() is None
    assert not (tmp_path / "creds" / "tokens.json").exists()
    assert device.signed_out
    # The session was ended on the server before the tokens went.
    kinds = admin.call(
        "GET", "/admin/sessions/export", params={"date": str(datetime.now(UTC).date())}
    )
    assert [r["kind"] for r in kinds["rows"] if r["session_id"] == session_id] == ["start", "end"]
    assert device.heartbeat.beat().error  # signed out: beats stop reaching the API


def test_an_unreachable_api_is_reported_not_raised(live_api: LiveApi, tmp_path: Path) -> None:
    device = Device(live_api, tmp_path)
    live_api.stop()
    result = device.heartbeat.beat()
    assert result.reached is False
    live_api.start()
    assert device.heartbeat.beat().reached is True


@pytest.mark.s3
def test_storage_grant_is_renewed_before_it_expires(
    teamtreck_home: Path, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    from live_api import make_live_api

    server = make_live_api(
        teamtreck_home,
        lake_url=f"s3://{s3_bucket}/lake",
        s3_endpoint_url=s3_endpoint,
        sts_role_arn="arn:aws:iam::123456789012:role/collector",
    )
    server.start()
    try:
        device = Device(server, tmp_path, grant=True)
        device.heartbeat.beat()
        grant = device.grant
        assert grant is not None
        assert grant.renewals == 1
        assert grant.expires_at is not None
        device.heartbeat.beat()
        assert grant.renewals == 1  # far from expiry
        grant.clock = lambda: grant.expires_at - timedelta(seconds=60)  # type: ignore[operator]
        device.heartbeat.beat()
        assert grant.renewals == 2
        prefix = f"landing/activity/company={server.company_id}/user={device.user_id}"
        path = f"{prefix}/date=2026-01-01/x.parquet"
        grant.put_bytes(path, b"sealed bytes")
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
        body = s3.get_object(Bucket=s3_bucket, Key=f"lake/{path}")["Body"].read()
        assert body == b"sealed bytes"
    finally:
        server.stop()
