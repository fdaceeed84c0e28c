"""The company's privacy rules, applied on the device before anything is stored.

Pure functions, no I/O. `redact()` turns what the desktop shows into what may be recorded:

- a blocked app or domain (in the URL or anywhere in the title) → None: nothing is recorded;
- a sensitive app → app "[redacted]", no title, URL or domain;
- apps off → no app name; titles off → no title; otherwise URLs inside the title follow the URL
  rules and the company's masks (regular expressions) replace what they match with "[masked]";
- URLs off → no URL and no domain (a URL in the title becomes "[url]"); credentials in a URL are
  always dropped, and with `strip_url_query` so are "?query" and "#fragment".

Outside working hours nothing is collected (`within_working_hours`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from collector.browser_url import domain_of, url_in_title
from collector.desktop.window import WindowInfo
from collector.rules import REDACTED_APP, Rules, TrackingRules

MASK = "[masked]"
MAX_TITLE_CHARS = 1024  # a title or URL is a label, not a document: bound what a row can carry
MAX_URL_CHARS = 2048
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"']+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Observation:
    """The front window as it may be recorded; None fields were not seen or not allowed."""

    app: str | None = None
    title: str | None = None
    url: str | None = None
    domain: str | None = None
    sensitive: bool = False


def within_working_hours(rules: Rules, at: datetime) -> bool:
    """True when `at` (tz-aware) falls in the company's working hours, or when none are set."""
    if at.tzinfo is None:
        raise ValueError("working hours need a tz-aware datetime; use datetime.now(UTC)")
    hours = rules.working_hours
    if not hours.enabled:
        return True
    local = at.astimezone(ZoneInfo(hours.time_zone))
    now, day, days = local.time().replace(tzinfo=None), local.weekday(), hours.weekday_numbers()
    if hours.start < hours.end:
        return day in days and hours.start <= now < hours.end
    # A shift past midnight: the early hours belong to the previous day's shift.
    if now >= hours.start:
        return day in days
    return now < hours.end and (day - 1) % 7 in days


def strip_url(url: str, keep_query: bool = False) -> str:
    """The URL without user:password@, and (unless `keep_query`) without query and fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0] if not keep_query else url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if _port(parts.netloc) else ""
    query, fragment = (parts.query, parts.fragment) if keep_query else ("", "")
    return urlunsplit((parts.scheme, host + port, parts.path, query, fragment))


def _port(netloc: str) -> bool:
    tail = netloc.rsplit("@", 1)[-1]
    return bool(re.search(r":\d+$", tail))


def mask_title(title: str, masks: Iterable[str]) -> str:
    """The title with every match of every mask replaced by "[masked]"."""
    for pattern in masks:
        title = re.sub(pattern, MASK, title)
    return title


def app_matches(app: str, patterns: Iterable[str]) -> bool:
    """True when the process name matches one of the globs (case and ".exe" ignored)."""
    name = app.casefold().removesuffix(".exe")
    return any(
        fnmatch.fnmatchcase(name, pattern.casefold().removesuffix(".exe")) for pattern in patterns
    )


def domain_blocked(domain: str | None, blocked: Iterable[str]) -> bool:
    """True when the domain is a blocked one or a subdomain of one."""
    if not domain:
        return False
    domain = domain.lower().rstrip(".")
    return any(domain == b or domain.endswith("." + b) for b in blocked)


def _mentions_blocked(text: str, blocked: Iterable[str]) -> bool:
    """True when a blocked domain stands in the text as a host name (or the end of one):
    "m.facebook.com/x" mentions facebook.com, "notfacebook.com" and "facebook.company" do not."""
    lowered = text.lower()
    return any(re.search(rf"(?<![a-z0-9-]){re.escape(b)}(?![a-z0-9-])", lowered) for b in blocked)


def redact(window: WindowInfo | None, rules: Rules, url: str | None = None) -> Observation | None:
    """What may be recorded of this window (and its URL, when known); None: record nothing."""
    if window is None:
        return Observation()
    tracking = rules.tracking
    if app_matches(window.app, tracking.blocked_apps):
        return None
    shown = url_in_title(window.app, window.title)
    raw_url = url or (shown if shown is None or "://" in shown else f"https://{shown}")
    domain = domain_of(raw_url)
    blocked = tracking.blocked_domains
    if domain_blocked(domain, blocked) or _mentions_blocked(f"{window.title} {raw_url}", blocked):
        return None
    if app_matches(window.app, tracking.sensitive_apps):
        return Observation(app=REDACTED_APP, sensitive=True)
    keep_query = not tracking.strip_url_query
    return Observation(
        app=window.app if tracking.apps else None,
        title=_title(window.title, shown, tracking),
        url=strip_url(raw_url, keep_query)[:MAX_URL_CHARS] if raw_url and tracking.urls else None,
        domain=domain if tracking.urls else None,
    )


def _title(title: str, shown_url: str | None, tracking: TrackingRules) -> str | None:
    if not tracking.titles:
        return None
    if shown_url and not tracking.urls:
        title = title.replace(shown_url, "[url]")  # the title would leak what the rules keep out
    keep_query = not tracking.strip_url_query
    title = _URL_IN_TEXT.sub(lambda m: strip_url(m.group(0), keep_query=keep_query), title)
    return mask_title(title, tracking.title_masks)[:MAX_TITLE_CHARS]


def screenshot_allowed(observation: Observation | None, rules: Rules, at: datetime) -> bool:
    """Screenshots need the rules' consent, working hours and no blocked/sensitive app in front."""
    if not rules.screenshots.enabled or not within_working_hours(rules, at):
        return False
    return observation is not None and not observation.sensitive
