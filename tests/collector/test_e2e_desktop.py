"""The employee's day on a real desktop: Xvfb, real windows and input, the live API, the lake on
an S3 endpoint reached through the API's storage grant."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lake_view import read_landing
from test_e2e_app import Desk, start_desk, wait_for

from lakehouse.keys import FileKeyStore
from lakehouse.storage import open_store

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)
pytestmark = [pytest.mark.display, pytest.mark.s3, pytest.mark.slow]

TITLE = "Quarterly plan – draft"


@pytest.fixture
def s3_api(teamtreck_home: Path, s3_endpoint: str, s3_bucket: str) -> Iterator[LiveApi]:
    from live_api import make_live_api

    server = make_live_api(
        teamtreck_home,
        lake_url=f"s3://{s3_bucket}/lake",
        s3_endpoint_url=s3_endpoint,
        sts_role_arn="arn:aws:iam::123456789012:role/collector",
    )
    server.start()
    admin = server.admin()
    document = admin.call("GET", "/rules")["rules"]
    document["screenshots"].update(per_hour=30, jitter_seconds=0, monitor_mode="primary")
    admin.call("PUT", "/rules", json=document)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desktop_desk(s3_api: LiveApi, tmp_path: Path, xdotool: Any) -> Iterator[Desk]:
    from collector.app import desktop_source

    settings = {"sample_interval_seconds": 1.0, "batch_interval_seconds": 2.0}
    running = start_desk(s3_api, tmp_path, make_source=desktop_source, settings=settings)
    yield running
    running.app.quit()
    running.thread.join(timeout=60)
    xdotool.nudge()  # a stopped pynput listener ends on the next X event


def _lake(server: LiveApi, s3_endpoint: str) -> Any:
    store = open_store(server.settings.lake_url, endpoint_url=s3_endpoint)
    return read_landing(store, FileKeyStore(server.settings.resolved_key_store_dir()))


def test_a_real_work_session_reaches_the_s3_lake(
    s3_api: LiveApi,
    desktop_desk: Desk,
    titled_window: Callable[..., Any],
    xdotool: Any,
    s3_endpoint: str,
) -> None:
    desk = desktop_desk
    window = titled_window(TITLE, geometry="80x24+100+100")
    xdotool.move(300, 200)  # inside the window: clicks land there and keep it focused
    desk.tell("login", email=s3_api.employee_email, password=s3_api.password)
    session_id = desk.tell("start")["session_id"]
    time.sleep(1.5)
    xdotool.type("hello world")
    xdotool.click(1, repeat=3)
    time.sleep(2.5)
    desk.tell("pause")
    xdotool.type("secret")  # typed while paused: never counted
    xdotool.click(1, repeat=2)
    time.sleep(2.0)
    window.activate()
    desk.tell("resume")
    time.sleep(1.5)
    xdotool.type("abc")
    time.sleep(2.5)
    desk.tell("end")

    lake = _lake(s3_api, s3_endpoint)
    samples = lake.table("activity")
    assert samples, "no activity reached the lake"
    assert {r["session_id"] for r in samples} == {session_id}
    assert sum(r["keystrokes"] for r in samples) == len("hello world") + len("abc")
    assert sum(r["clicks"] for r in samples) == 3
    typed = [r for r in samples if r["keystrokes"]]
    assert {(r["app"], r["title"]) for r in typed} == {("xterm", TITLE)}
    shots = lake.table("screenshots")
    assert shots, "no screenshot reached the lake"
    assert {s["capture_id"] for s in shots} <= set(lake.images)  # every image opens
    kinds = [r["kind"] for r in lake.table("sessions") if r["session_id"] == session_id]
    assert [k for k in kinds if k in ("start", "pause", "resume", "end")] == [
        "start",
        "pause",
        "resume",
        "end",
    ]
    # And what the employee sees matches: the record of today has the same samples.
    page = desk.app.record.read_day(samples[0]["ts"].date())
    assert sum(e.get("keystrokes", 0) for e in page if e["table"] == "activity") == 14


def test_new_rules_change_what_the_desktop_records(
    s3_api: LiveApi,
    desktop_desk: Desk,
    titled_window: Callable[..., Any],
    xdotool: Any,
    s3_endpoint: str,
) -> None:
    desk = desktop_desk
    window = titled_window(TITLE, geometry="80x24+100+100")
    xdotool.move(300, 200)
    desk.tell("login", email=s3_api.employee_email, password=s3_api.password)
    desk.tell("start")
    time.sleep(1.5)
    xdotool.type("before")
    time.sleep(2.5)
    admin = s3_api.admin()
    document = admin.call("GET", "/rules")["rules"]
    document["tracking"]["title_masks"] = ["Quarterly"]
    admin.call("PUT", "/rules", json=document)
    wait_for(
        "the new rules", lambda: desk.app.recorder.rules.tracking.title_masks == ("Quarterly",)
    )
    time.sleep(1.5)  # let the sample running across the change end
    window.activate()
    xdotool.type("after")
    time.sleep(2.5)
    desk.tell("end")

    typed = [r for r in _lake(s3_api, s3_endpoint).table("activity") if r["keystrokes"]]
    assert typed[0]["title"] == TITLE
    assert typed[-1]["title"] == "[masked] plan – draft"
    assert sum(r["keystrokes"] for r in typed) == len("before") + len("after")
