"""The monitoring rules a company sets and the collector applies on the device.

They mirror the API's rules JSON (`Rules.model_validate(payload)`); fields the collector does not
know are ignored so that a newer server does not stop older collectors. Every field has a default
that records the least a company would reasonably want: titles and URLs yes, queries stripped,
screenshots off until a company turns them on.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REDACTED_APP = "[redacted]"


class WorkingHours(BaseModel):
    """Nothing is collected outside these hours (local time of `time_zone`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    time_zone: str = "UTC"  # an IANA name such as "Europe/Berlin"
    days: frozenset[int] = Field(default=frozenset({0, 1, 2, 3, 4}))  # 0 = Monday … 6 = Sunday
    start: time = time(8, 0)
    end: time = time(18, 0)  # an end at or before the start means the shift runs past midnight

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

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: frozenset[int]) -> frozenset[int]:
        if any(day < 0 or day > 6 for day in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return value


class ScreenshotRules(BaseModel):
    """Whether, how often and how screenshots are taken."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    enabled: bool = False
    per_hour: int = Field(default=6, ge=1, le=120)
    monitors: Literal["all", "primary", "selected"] = "all"
    monitor_ids: tuple[int, ...] = ()  # mss monitor numbers (1 = first) for "selected"
    combine: bool = False  # one image of all chosen monitors instead of one image each
    max_width: int = Field(default=1920, ge=64, le=16384)
    max_height: int = Field(default=1080, ge=64, le=16384)
    format: Literal["jpeg", "webp"] = "jpeg"
    quality: int = Field(default=50, ge=1, le=100)
    blur: bool = False

    @model_validator(mode="after")
    def _selected_needs_ids(self) -> ScreenshotRules:
        if self.monitors == "selected" and not self.monitor_ids:
            raise ValueError("monitors='selected' needs monitor_ids, e.g. [1, 2]")
        return self


class Rules(BaseModel):
    """Everything the collector needs to decide what to record."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sample_interval_seconds: float = Field(default=10.0, ge=1, le=300)
    idle_threshold_seconds: float = Field(default=300.0, ge=10, le=86400)
    track_titles: bool = True
    track_urls: bool = True
    track_domains: bool = True  # a domain alone may be kept when full URLs are not
    strip_url_query: bool = True  # drop "?query" and "#fragment" from URLs
    title_masks: tuple[str, ...] = ()  # regular expressions; matches become "[masked]"
    sensitive_apps: tuple[str, ...] = ()  # recorded as "[redacted]" with no title/URL; globs
    blocked_apps: tuple[str, ...] = ()  # not recorded at all; globs like "keepass*"
    blocked_domains: tuple[str, ...] = ()  # not recorded at all, subdomains included
    working_hours: WorkingHours | None = None  # None: whenever a work session is running
    screenshots: ScreenshotRules = ScreenshotRules()

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
        return tuple(
            domain.strip().lower().removeprefix("*.").strip(".")
            for domain in value
            if domain.strip()
        )
