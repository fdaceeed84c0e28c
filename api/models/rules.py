"""Monitoring rules: what a company's collectors record and how (validated, versioned).

The collector applies this document on the device before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from api.models.body import Body

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Category = Literal["productive", "neutral", "unproductive"]
# Wall-clock "HH:MM" (24 h), read in the rules' time zone; no offset, no seconds.
WallClock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
WORK_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


class Strict(Body):
    """Rules parts refuse unknown keys (a typo must not silently keep a default)."""


class ScreenshotRules(Strict):
    per_hour: int = Field(default=6, ge=0, le=30)
    jitter_seconds: int = Field(default=120, ge=0, le=1800)
    format: Literal["jpeg", "webp"] = "webp"
    quality: int = Field(default=70, ge=10, le=100)
    max_width_px: int = Field(default=1920, ge=320, le=7680)
    max_height_px: int = Field(default=1080, ge=240, le=4320)
    blur: bool = False
    monitor_mode: Literal["all", "primary", "selected"] = "all"
    monitor_ids: list[int] = Field(default_factory=list)  # with monitor_mode "selected"
    combine_monitors: bool = True  # one image of all chosen monitors, or one per monitor

    @model_validator(mode="after")
    def _selected_needs_ids(self) -> ScreenshotRules:
        if self.monitor_mode == "selected" and not self.monitor_ids:
            raise ValueError("monitor_mode 'selected' needs at least one id in monitor_ids")
        return self


class TrackingRules(Strict):
    apps: bool = True
    titles: bool = True
    urls: bool = True
    idle_threshold_seconds: int = Field(default=300, ge=30, le=3600)
    strip_url_query: bool = True
    title_masks: list[str] = Field(default_factory=list)  # regexes; matches become "[masked]"
    sensitive_apps: list[str] = Field(default_factory=list)  # recorded as "[redacted]"
    blocked_apps: list[str] = Field(default_factory=list)  # not recorded at all
    blocked_domains: list[str] = Field(default_factory=list)

    @field_validator("title_masks")
    @classmethod
    def _valid_regexes(cls, masks: list[str]) -> list[str]:
        for mask in masks:
            try:
                re.compile(mask)
            except re.error as e:
                raise ValueError(
                    f"title mask {mask!r} is not a valid regular expression: {e}"
                ) from e
        return masks


class WorkingHours(Strict):
    enabled: bool = False  # when on, nothing is recorded outside these hours
    time_zone: str = "UTC"
    days: list[Weekday] = Field(default_factory=lambda: list(WORK_DAYS))
    start: WallClock = "08:00"  # local time in time_zone
    end: WallClock = "18:00"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
            ) from e
        return name

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:  # "HH:MM" strings sort like the times they name
            raise ValueError("working hours must end after they start")
        return self


class CategoryRule(Strict):
    match: Literal["app", "domain", "title"]
    pattern: str = Field(min_length=1, max_length=200)  # case-insensitive substring
    category: Category


class ProductivityRules(Strict):
    default: Category = "neutral"
    rules: list[CategoryRule] = Field(default_factory=list)
    team_overrides: dict[str, list[CategoryRule]] = Field(default_factory=dict)  # team id -> rules


class RulesDocument(Strict):
    """The whole rules document (PUT replaces it and bumps the version)."""

    screenshots: ScreenshotRules = Field(default_factory=ScreenshotRules)
    tracking: TrackingRules = Field(default_factory=TrackingRules)
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    retention_days: int = Field(default=90, ge=1, le=3650)
    productivity: ProductivityRules = Field(default_factory=ProductivityRules)


class RulesPublic(BaseModel):
    company_id: str
    version: int
    rules: RulesDocument
    updated_at: dt.datetime
