"""The rules model: defaults, the API's rules document, refusing nonsense with a reason."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from collector.rules import Rules, ScreenshotRules

# The API's rules document with its defaults (GET /api/rules → "rules"), as the API publishes it.
API_DOCUMENT = {
    "screenshots": {
        "per_hour": 6,
        "jitter_seconds": 120,
        "format": "webp",
        "quality": 70,
        "max_width_px": 1920,
        "max_height_px": 1080,
        "blur": False,
        "monitor_mode": "all",
        "monitor_ids": [],
        "combine_monitors": True,
    },
    "tracking": {
        "apps": True,
        "titles": True,
        "urls": True,
        "idle_threshold_seconds": 300,
        "strip_url_query": True,
        "title_masks": [],
        "sensitive_apps": [],
        "blocked_apps": [],
        "blocked_domains": [],
    },
    "working_hours": {
        "enabled": False,
        "time_zone": "UTC",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "08:00:00",
        "end": "18:00:00",
    },
    "retention_days": 90,
    "productivity": {"default": "neutral", "rules": [], "team_overrides": {}},
}


def test_defaults_track_apps_titles_and_urls_without_queries() -> None:
    rules = Rules()
    assert rules.tracking.apps
    assert rules.tracking.titles
    assert rules.tracking.urls
    assert rules.tracking.strip_url_query
    assert not rules.working_hours.enabled
    assert rules.tracking.idle_threshold_seconds == 300
    assert rules.screenshots.per_hour == 6


def test_the_api_document_is_read_as_it_comes() -> None:
    rules = Rules.model_validate(API_DOCUMENT)
    assert rules.screenshots.format == "webp"
    assert rules.screenshots.quality == 70
    assert rules.tracking == Rules().tracking
    assert rules.working_hours == Rules().working_hours


def test_a_company_document_with_unknown_keys_is_read() -> None:
    document = {
        "tracking": {
            "idle_threshold_seconds": 120,
            "blocked_domains": ["*.Example.COM", " news.site. "],
        },
        "working_hours": {
            "enabled": True,
            "time_zone": "Asia/Tokyo",
            "days": ["mon", "wed"],
            "start": "09:30:00",
            "end": "17:00:00",
        },
        "screenshots": {"per_hour": 12, "monitor_mode": "selected", "monitor_ids": [2]},
        "something_newer": {"x": 1},
    }
    rules = Rules.model_validate(document)
    assert rules.tracking.idle_threshold_seconds == 120
    assert rules.tracking.blocked_domains == ("example.com", "news.site")
    assert rules.working_hours.start == time(9, 30)
    assert rules.working_hours.weekday_numbers() == frozenset({0, 2})
    assert rules.screenshots == ScreenshotRules(
        per_hour=12, monitor_mode="selected", monitor_ids=(2,)
    )


def test_per_hour_zero_turns_screenshots_off() -> None:
    assert not Rules.model_validate({"screenshots": {"per_hour": 0}}).screenshots.enabled


def test_rules_round_trip_through_json() -> None:
    rules = Rules.model_validate(
        {"tracking": {"title_masks": [r"\d+"]}, "screenshots": {"blur": True}}
    )
    assert Rules.model_validate_json(rules.model_dump_json()) == rules


@pytest.mark.parametrize(
    "document",
    [
        {"tracking": {"idle_threshold_seconds": 0.5}},
        {"tracking": {"title_masks": ["(unclosed"]}},
        {"screenshots": {"per_hour": 31}},
        {"screenshots": {"format": "bmp"}},
        {"screenshots": {"quality": 101}},
        {"screenshots": {"monitor_mode": "selected"}},
        {"working_hours": {"days": ["someday"]}},
        {"working_hours": {"time_zone": "Mars/Olympus"}},
    ],
)
def test_nonsense_is_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Rules.model_validate(document)
