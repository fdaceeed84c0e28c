"""Sensing end to end on a real X server: real windows, real input, rules applied on the way."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sensing_helpers import wait_for_keys

from collector.desktop import DesktopUnsupportedError
from collector.desktop_source import DesktopSource
from collector.rules import REDACTED_APP, Rules
from collector.source import Observed
from lakehouse.validation import validate_table

pytestmark = pytest.mark.display

IDS = {"company_id": "acme", "user_id": "alice", "device_id": "dev-1", "session_id": "sess-1"}


def image_path(capture_id: str, fmt: str, day: dt.date) -> str:
    return f"landing/images/company=acme/user=alice/date={day}/{capture_id}.{fmt}.sealed"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rows(observed: list[Observed], table: str) -> list[dict[str, Any]]:
    return [row for o in observed for t, row in o.rows if t == table]


@pytest.fixture
def make_source(x_display: object, xdotool) -> Iterator[Callable[[Rules], DesktopSource]]:
    """Desktop sources on the test display; closed (listeners stopped) after the test."""
    sources: list[DesktopSource] = []

    def make(rules: Rules) -> DesktopSource:
        source = DesktopSource(IDS, image_path, rules, "0.1.0-test")
        sources.append(source)
        return source

    yield make
    for source in sources:
        source.close()
    xdotool.nudge()  # ends the stopped pynput threads


def test_a_sensitive_apps_title_never_leaves_the_sampler(
    make_source: Callable[[Rules], DesktopSource], titled_window, xdotool
) -> None:
    titled_window("Vault — hunter2 passphrase")
    rules = Rules.model_validate(
        {
            "tracking": {"sensitive_apps": ["xterm"]},
            "screenshots": {"per_hour": 30, "jitter_seconds": 0},
        }
    )
    source = make_source(rules)
    observed = [source.tick(now())]
    xdotool.type("hunter2")
    wait_for_keys(source, 7)
    observed += [source.tick(now()), source.flush(now())]
    activity = rows(observed, "activity")  # the typed-in sample and the short one ended by flush
    assert {(row["app"], row["title"], row["url"]) for row in activity} == {
        (REDACTED_APP, None, None)
    }
    assert sum(row["keystrokes"] for row in activity) == 7  # how much, never what
    assert "hunter2" not in repr(observed)
    assert all(not o.shots for o in observed)  # no screenshot of a sensitive window
    validate_table("activity", [{**row, "batch_id": "b"} for row in activity], now=now())


def test_a_plain_window_gives_masked_titles_counts_and_screenshots(
    make_source: Callable[[Rules], DesktopSource], titled_window, xdotool
) -> None:
    titled_window("Ticket ACME-4711 for customer Jane Roe")
    rules = Rules.model_validate(
        {
            "tracking": {"title_masks": [r"Jane Roe"]},
            "screenshots": {"per_hour": 30, "jitter_seconds": 0, "monitor_mode": "primary"},
        }
    )
    source = make_source(rules)
    observed = [source.tick(now())]
    xdotool.type("fix")
    xdotool.move(200, 200)  # over the window: a click on the bare desktop takes the focus away
    xdotool.click(1, repeat=2)
    wait_for_keys(source, 3)
    time.sleep(0.2)  # the clicks were sent after the keys
    observed += [source.tick(now()), source.flush(now())]
    sample, *rest = rows(observed, "activity")
    assert (sample["app"], sample["title"]) == ("xterm", "Ticket ACME-4711 for customer [masked]")
    assert (sample["keystrokes"], sample["clicks"], sample["status"]) == (3, 2, "active")
    assert sample["agent_rss_bytes"] > 10_000_000
    assert all(row["title"] == sample["title"] for row in rest)
    (shot_row,) = rows(observed, "screenshots")
    (shot,) = [shot for o in observed for shot in o.shots]
    assert shot_row["object_path"] == shot.object_path
    assert shot_row["size_bytes"] == len(shot.image)
    assert shot_row["title"] == "Ticket ACME-4711 for customer [masked]"
    validate_table("screenshots", [{**shot_row, "batch_id": "b"}], now=now())


def test_idle_starts_at_the_last_input_and_ends_with_new_input(
    make_source: Callable[[Rules], DesktopSource], titled_window, xdotool
) -> None:
    titled_window("reading")
    source = make_source(Rules.model_validate({"tracking": {"idle_threshold_seconds": 1.5}}))
    observed = [source.tick(now())]
    before_last = now()
    xdotool.key("space")
    after_last = now()
    deadline = time.monotonic() + 30
    while not rows(observed, "sessions") and time.monotonic() < deadline:
        time.sleep(0.3)  # ticks without input until the threshold has passed
        observed.append(source.tick(now()))
    before_back = now()
    xdotool.key("space")
    after_back = now()
    wait_for_keys(source, 1)
    observed += [source.tick(now()), source.flush(now())]

    start, end = rows(observed, "sessions")
    assert (start["kind"], end["kind"]) == ("idle_start", "idle_end")
    slack = dt.timedelta(milliseconds=50)
    assert before_last - slack <= start["ts"] <= after_last + slack  # the last input, not later
    assert before_back - slack <= end["ts"] <= after_back + slack
    samples = rows(observed, "activity")
    idle = [s for s in samples if s["status"] == "idle"]
    assert idle
    assert all(s["keystrokes"] == 0 for s in idle)
    idle_total = sum(s["idle_seconds"] for s in samples)
    assert idle_total == pytest.approx((end["ts"] - start["ts"]).total_seconds(), abs=0.01)


def test_new_rules_apply_from_the_next_tick(
    make_source: Callable[[Rules], DesktopSource], titled_window, xdotool
) -> None:
    titled_window("Payroll — March")
    source = make_source(Rules())
    observed = [source.tick(now())]
    xdotool.type("a")
    wait_for_keys(source, 1)
    observed.append(source.tick(now()))
    source.apply_rules(Rules.model_validate({"tracking": {"titles": False}}))
    xdotool.type("b")
    wait_for_keys(source, 1)
    observed += [source.tick(now()), source.flush(now())]
    first, *later = [row["title"] for row in rows(observed, "activity")]
    assert first == "Payroll — March"
    assert later
    assert set(later) == {None}


def test_a_wayland_session_is_refused_with_a_reason(
    x_display: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(DesktopUnsupportedError, match="Wayland"):
        DesktopSource(IDS, image_path, Rules(), "0.1.0-test")


def test_a_failing_screen_grab_costs_the_screenshot_not_the_samples(
    x_display: object, titled_window, xdotool
) -> None:
    titled_window("grab fails")

    def broken_grab(_rules: object) -> list[Any]:
        raise OSError("XGetImage failed")

    rules = Rules.model_validate({"screenshots": {"per_hour": 30, "jitter_seconds": 0}})
    source = DesktopSource(IDS, image_path, rules, "0.1.0-test", grab=broken_grab)
    try:
        source.tick(now())
        xdotool.type("ok")
        wait_for_keys(source, 2)
        observed = [source.tick(now()), source.flush(now())]
    finally:
        source.close()
        xdotool.nudge()
    assert sum(row["keystrokes"] for row in rows(observed, "activity")) == 2
    assert rows(observed, "screenshots") == []
    assert all(not o.shots for o in observed)
