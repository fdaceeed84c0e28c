"""A plain-language preview of what a rules document subjects employees to (pure)."""

from __future__ import annotations

from typing import Any

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _list(values: Any) -> str:
    items = [str(v) for v in values or []]
    return ", ".join(items) if items else "none"


def describe_screenshots(shots: dict[str, Any]) -> str:
    if not shots.get("enabled", True):
        return "No screenshots are taken."
    per_hour = shots.get("per_hour", 0)
    which = {"all": "all monitors", "primary": "the primary monitor"}.get(
        str(shots.get("monitors", "all")), "selected monitors"
    )
    blur = " They are blurred before they leave the computer." if shots.get("blur") else ""
    return (
        f"About {per_hour} screenshot(s) per hour of {which}, at random moments while working "
        f"and never while idle or paused.{blur}"
    )


def describe_hours(hours: dict[str, Any] | None) -> str:
    if not hours:
        return "Activity is recorded whenever a work session is running."
    days = [DAY_NAMES[d] for d in hours.get("days", []) if 0 <= int(d) < len(DAY_NAMES)]
    return (
        f"Activity is recorded only on {_list(days)} between {hours.get('start')} and "
        f"{hours.get('end')} ({hours.get('time_zone', 'UTC')}), and only during a work session."
    )


def describe(document: dict[str, Any]) -> list[str]:
    """What employees will be subject to, one sentence per aspect."""
    interval = document.get("sample_interval_seconds", 10)
    idle = document.get("idle_threshold_seconds", 300)
    titles = "window titles" if document.get("track_titles", True) else "no window titles"
    if document.get("track_urls", True):
        query = " without their query part" if document.get("strip_url_query", True) else ""
        urls = f"web addresses{query}"
    else:
        urls = "no web addresses"
    return [
        describe_hours(document.get("working_hours")),
        f"Every {interval} s the app in front, {titles} and {urls} are noted, with counts of "
        "keys, clicks and scrolls and mouse distance — never what is typed.",
        f"After {idle} s without input the time counts as idle.",
        describe_screenshots(dict(document.get("screenshots") or {})),
        f"Nothing at all is recorded in these apps: {_list(document.get('blocked_apps'))}; "
        f"or on these sites: {_list(document.get('blocked_domains'))}.",
        f"Titles are hidden in these sensitive apps: {_list(document.get('sensitive_apps'))}.",
    ]
