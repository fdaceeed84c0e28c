"""A plain-language preview of what a rules document subjects employees to (pure).

The document is the API's rules document: `tracking`, `screenshots`, `working_hours`,
`retention_days`, `productivity`.
"""

from __future__ import annotations

from typing import Any

DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
             "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}  # fmt: skip


def _list(values: Any) -> str:
    items = [str(v) for v in values or []]
    return ", ".join(items) if items else "none"


def describe_screenshots(shots: dict[str, Any]) -> str:
    per_hour = int(shots.get("per_hour", 6))
    if per_hour == 0:
        return "No screenshots are taken."
    which = {"all": "all monitors", "primary": "the primary monitor"}.get(
        str(shots.get("monitor_mode", "all")), "selected monitors"
    )
    blur = " They are blurred on the computer before they are stored." if shots.get("blur") else ""
    return (
        f"About {per_hour} screenshot(s) per hour of {which}, at random moments during a work "
        f"session, never while idle or paused.{blur}"
    )


def describe_hours(hours: dict[str, Any]) -> str:
    if not hours.get("enabled"):
        return "Activity is recorded whenever a work session is running."
    days = [DAY_NAMES.get(str(d), str(d)) for d in hours.get("days", [])]
    return (
        f"Activity is recorded only on {_list(days)} between {str(hours.get('start'))[:5]} and "
        f"{str(hours.get('end'))[:5]} ({hours.get('time_zone', 'UTC')}), during a work session."
    )


def describe_tracking(tracking: dict[str, Any]) -> list[str]:
    noted = ["the app in front"] if tracking.get("apps", True) else []
    if tracking.get("titles", True):
        noted.append("window titles")
    if tracking.get("urls", True):
        noted.append(
            "web addresses without their query part"
            if tracking.get("strip_url_query", True)
            else "full web addresses"
        )
    what = ", ".join(noted) if noted else "no app, title or address"
    return [
        f"Every few seconds {what} are noted, with counts of keys, clicks and scrolls and the "
        "mouse distance — never what is typed.",
        f"After {tracking.get('idle_threshold_seconds', 300)} s without input the time counts "
        "as idle.",
        f"Nothing at all is recorded in these apps: {_list(tracking.get('blocked_apps'))}; "
        f"or on these sites: {_list(tracking.get('blocked_domains'))}.",
        f'Only "[redacted]" is recorded for these sensitive apps: '
        f"{_list(tracking.get('sensitive_apps'))}.",
    ]


def describe(document: dict[str, Any]) -> list[str]:
    """What employees will be subject to, one sentence per aspect."""
    return [
        describe_hours(dict(document.get("working_hours") or {})),
        *describe_tracking(dict(document.get("tracking") or {})),
        describe_screenshots(dict(document.get("screenshots") or {})),
        f"Recorded data is deleted after {document.get('retention_days', 90)} days.",
    ]
