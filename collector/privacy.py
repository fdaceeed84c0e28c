"""The company's privacy rules, applied on the device before anything is stored.

Pure functions, no I/O. `redact()` turns what the desktop shows into what may be recorded:

- a blocked app or domain (in the URL or anywhere in the title) → None: nothing is recorded;
- a sensitive app → app "[redacted]", no title, URL or domain;
- titles off → no title; otherwise URLs inside the title follow the URL rules and the company's
  masks (regular expressions) replace what they match with "[masked]";
- URLs off → no URL (the domain may stay, by its own switch); credentials in a URL are always
  dropped, and with `strip_url_query` so are "?query" and "#fragment".

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
from collector.rules import REDACTED_APP, Rules

MASK = "[masked]"
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
    if hours is None:
        return True
    local = at.astimezone(ZoneInfo(hours.time_zone))
    now, day = local.time().replace(tzinfo=None), local.weekday()
    if hours.start < hours.end:
        return day in hours.days and hours.start <= now < hours.end
    # A shift past midnight: the early hours belong to the previous day's shift.
    if now >= hours.start:
        return day in hours.days
    return now < hours.end and (day - 1) % 7 in hours.days


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
    lowered = text.lower()
    return any(b in lowered for b in blocked)


def redact(window: WindowInfo | None, rules: Rules, url: str | None = None) -> Observation | None:
    """What may be recorded of this window (and its URL, when known); None: record nothing."""
    if window is None:
        return Observation()
    if app_matches(window.app, rules.blocked_apps):
        return None
    shown = url_in_title(window.app, window.title)
    raw_url = url or (shown if shown is None or "://" in shown else f"https://{shown}")
    domain = domain_of(raw_url)
    blocked = rules.blocked_domains
    if domain_blocked(domain, blocked) or _mentions_blocked(
        f"{window.title} {raw_url or ''}", blocked
    ):
        return None
    if app_matches(window.app, rules.sensitive_apps):
        return Observation(app=REDACTED_APP, sensitive=True)
    return Observation(
        app=window.app,
        title=_title(window.title, shown, domain, rules),
        url=_url(raw_url, rules),
        domain=domain if rules.track_domains else None,
    )


def _url(url: str | None, rules: Rules) -> str | None:
    if url is None or not rules.track_urls:
        return None
    return strip_url(url, keep_query=not rules.strip_url_query)


def _title(title: str, shown_url: str | None, domain: str | None, rules: Rules) -> str | None:
    if not rules.track_titles:
        return None
    if shown_url and not rules.track_urls:
        # The title would leak the URL that the rules keep out: show at most the domain.
        title = title.replace(shown_url, domain if domain and rules.track_domains else "[url]")
    keep_query = not rules.strip_url_query
    title = _URL_IN_TEXT.sub(lambda m: strip_url(m.group(0), keep_query=keep_query), title)
    return mask_title(title, rules.title_masks)


def screenshot_allowed(observation: Observation | None, rules: Rules, at: datetime) -> bool:
    """Screenshots need the rules' consent, working hours and no blocked/sensitive app in front."""
    if not rules.screenshots.enabled or not within_working_hours(rules, at):
        return False
    return observation is not None and not observation.sensitive
