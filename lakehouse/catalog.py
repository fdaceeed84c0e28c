"""What simulated employees do all day: apps, window titles, sites, and how much they type.

Only the simulator reads this. Entries are realistic enough for dashboards and productivity rules
to show something meaningful (a developer's editor, chat, mail, meetings, a few distractions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Activity:
    """One kind of thing a person does in front of the screen, and how often they do it."""

    app: str
    title: str
    weight: float
    keys_per_sample: float  # mean keystrokes in a 10 s sample while doing this
    clicks_per_sample: float
    url: str | None = None
    domain: str | None = None


def _site(browser: str, domain: str, path: str, page: str, weight: float, keys: float) -> Activity:
    suffix = {"firefox": "Mozilla Firefox", "chrome": "Google Chrome"}[browser]
    return Activity(
        app=browser,
        title=f"{page} — {suffix}",
        weight=weight,
        keys_per_sample=keys,
        clicks_per_sample=2.0,
        url=f"https://{domain}{path}",
        domain=domain,
    )


ACTIVITIES: Final[tuple[Activity, ...]] = (
    Activity("code", "main.py — teamtreck — Visual Studio Code", 9, 18, 1.5),
    Activity("code", "test_api.py — teamtreck — Visual Studio Code", 5, 15, 1.5),
    Activity("code", "README.md — teamtreck — Visual Studio Code", 2, 10, 1.0),
    Activity("gnome-terminal", "pytest -x — ~/src/teamtreck", 4, 6, 0.5),
    Activity("slack", "#dev | Acme — Slack", 4, 8, 2.0),
    Activity("slack", "Direct message | Acme — Slack", 2, 10, 1.0),
    Activity("zoom", "Zoom Meeting", 3, 0.3, 0.2),
    Activity("thunderbird", "Inbox — Mozilla Thunderbird", 2, 5, 3.0),
    Activity("libreoffice", "Q3 plan.ods — LibreOffice Calc", 2, 7, 4.0),
    Activity("spotify", "Spotify Premium", 0.5, 0.1, 0.5),
    _site("firefox", "github.com", "/acme/app/pulls", "Pull requests · acme/app · GitHub", 5, 4),
    _site(
        "firefox", "stackoverflow.com", "/questions/tagged/python", "Python - Stack Overflow", 3, 2
    ),
    _site("firefox", "docs.python.org", "/3/library/", "The Python Standard Library", 2, 1),
    _site("chrome", "mail.google.com", "/mail/u/0/#inbox", "Inbox - Gmail", 2, 6),
    _site("chrome", "calendar.google.com", "/calendar/r/week", "Google Calendar - Week", 1, 1),
    _site("chrome", "jira.acme.example", "/browse/APP-1234", "[APP-1234] Fix login - Jira", 2, 5),
    _site("firefox", "www.youtube.com", "/watch?v=dQw4w9WgXcQ", "Music video - YouTube", 1, 0.2),
    _site("chrome", "www.reddit.com", "/r/programming/", "r/programming - Reddit", 1, 0.5),
    _site("firefox", "news.ycombinator.com", "/", "Hacker News", 1, 0.3),
)
