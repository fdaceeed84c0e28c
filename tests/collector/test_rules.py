"""The rules model: defaults, the API's JSON, refusing nonsense with a reason."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from collector.rules import Rules, ScreenshotRules


def test_defaults_record_titles_and_urls_without_queries_and_no_screenshots() -> None:
    rules = Rules()
    assert rules.track_titles
    assert rules.track_urls
    assert rules.strip_url_query
    assert not rules.screenshots.enabled
    assert rules.working_hours is None
    assert rules.idle_threshold_seconds == 300


def test_the_api_json_is_read_and_unknown_fields_are_ignored() -> None:
    payload = {
        "idle_threshold_seconds": 120,
        "blocked_domains": ["*.Example.COM", " news.site. "],
        "sensitive_apps": ["keepassxc"],
        "working_hours": {
            "time_zone": "Asia/Tokyo",
            "days": [0, 2],
            "start": "09:30",
            "end": "17:00",
        },
        "screenshots": {
            "enabled": True,
            "per_hour": 12,
            "monitors": "selected",
            "monitor_ids": [2],
        },
        "productivity_categories": {"productive": ["code"]},  # a field for other readers
        "company_public_key": "tt1:…",
    }
    rules = Rules.model_validate(payload)
    assert rules.idle_threshold_seconds == 120
    assert rules.blocked_domains == ("example.com", "news.site")
    assert rules.working_hours is not None
    assert rules.working_hours.start == time(9, 30)
    assert rules.working_hours.days == frozenset({0, 2})
    assert rules.screenshots == ScreenshotRules(
        enabled=True, per_hour=12, monitors="selected", monitor_ids=(2,)
    )


def test_rules_round_trip_through_json() -> None:
    rules = Rules.model_validate({"title_masks": [r"\d+"], "screenshots": {"blur": True}})
    assert Rules.model_validate_json(rules.model_dump_json()) == rules


@pytest.mark.parametrize(
    "payload",
    [
        {"idle_threshold_seconds": 0},
        {"screenshots": {"per_hour": 0}},
        {"screenshots": {"format": "bmp"}},
        {"screenshots": {"quality": 101}},
        {"working_hours": {"days": [7]}},
    ],
)
def test_nonsense_is_refused(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Rules.model_validate(payload)
