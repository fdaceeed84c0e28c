"""The monitoring rules a company sets and the collector applies on the device.

The model mirrors the API's rules document (GET /api/rules → `rules`), so
`Rules.model_validate(document)` reads it as it comes. Keys the collector has no use for
(`retention_days`, `productivity`, anything newer) are ignored, so a newer server never stops an
older collector. Defaults equal the API's defaults except the screenshot encoding: JPEG quality 60
fitted into 1280x720 keeps a 1920x1080 screen of dense text under 150 KB and 150 ms (about
120 KB and 25-45 ms; full-size JPEG needs ~330 KB at quality 70 and WebP ~40 ms at method 0; see
bench/bench_screenshots.py).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REDACTED_APP = "[redacted]"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WorkingHours(_Part):
    """When enabled, nothing is collected outside these hours (local time of `time_zone`)."""

    enabled: bool = False
    time_zone: str = "UTC"  # an IANA name such as "Europe/Berlin"
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: time = time(8, 0)
    end: time = time(18, 0)  # an end at or before the start: the shift runs past midnight

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like 'Europe/Berlin'"
            ) from e
        return value

    def weekday_numbers(self) -> frozenset[int]:
        """The working days as `datetime.weekday()` numbers (0 = Monday)."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class ScreenshotRules(_Part):
    """How often and how screenshots are taken; `per_hour` 0 turns them off."""

    per_hour: int = Field(default=6, ge=0, le=30)
    jitter_seconds: float = Field(default=120.0, ge=0)  # how far into its interval a shot may fall
    format: Literal["jpeg", "webp"] = "jpeg"
    quality: int = Field(default=60, ge=1, le=100)
    max_width_px: int = Field(default=1280, ge=64, le=16384)
    max_height_px: int = Field(default=720, ge=64, le=16384)
    blur: bool = False
    monitor_mode: Literal["all", "primary", "selected"] = "all"
    monitor_ids: tuple[int, ...] = ()  # mss monitor numbers (1 = first monitor) for "selected"
    combine_monitors: bool = True  # one image of all chosen monitors instead of one each

    @model_validator(mode="after")
    def _selected_needs_ids(self) -> ScreenshotRules:
        if self.monitor_mode == "selected" and not self.monitor_ids:
            raise ValueError("monitor_mode 'selected' needs monitor_ids, e.g. [1, 2]")
        return self

    @property
    def enabled(self) -> bool:
        return self.per_hour > 0


class TrackingRules(_Part):
    """What of the front window is kept, and what is never kept."""

    apps: bool = True
    titles: bool = True
    urls: bool = True  # false: neither URL nor domain is kept
    idle_threshold_seconds: float = Field(default=300.0, ge=1, le=86400)
    strip_url_query: bool = True  # drop "?query" and "#fragment" from URLs
    title_masks: tuple[str, ...] = ()  # regular expressions; matches become "[masked]"
    sensitive_apps: tuple[str, ...] = ()  # kept as "[redacted]" with no title or URL; globs
    blocked_apps: tuple[str, ...] = ()  # nothing is kept at all; globs like "keepass*"
    blocked_domains: tuple[str, ...] = ()  # nothing is kept at all; subdomains included

    @field_validator("title_masks")
    @classmethod
    def _compilable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(
                    f"title mask {pattern!r} is not a valid regular expression: {e}"
                ) from e
        return value

    @field_validator("blocked_domains")
    @classmethod
    def _bare_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = (domain.strip().lower().removeprefix("*.").strip(".") for domain in value)
        return tuple(domain for domain in cleaned if domain)


class Rules(_Part):
    """Everything the collector needs to decide what to record."""

    screenshots: ScreenshotRules = ScreenshotRules()
    tracking: TrackingRules = TrackingRules()
    working_hours: WorkingHours = WorkingHours()
