"""URLs and domains from browser window titles, where a title shows them.

Browsers only put the address in the title for pages without a title or with an extension that
adds it ("URL in title"); otherwise there is no URL and None is the honest answer.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

BROWSERS = frozenset(
    {
        "firefox",
        "firefox-esr",
        "chrome",
        "chromium",
        "chromium-browser",
        "google-chrome",
        "brave",
        "brave-browser",
        "msedge",
        "microsoft-edge",
        "opera",
        "vivaldi",
        "safari",
        "librewolf",
    }
)
_URL = re.compile(r"\bhttps?://[^\s<>\"'|]+", re.IGNORECASE)
# "github.com/org/repo" or "example.org" standing alone as a title (what browsers show untitled).
_BARE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:/\S*)?$", re.IGNORECASE
)
_BROWSER_SUFFIX = re.compile(r"\s+[-—–]\s+[^-—–]*$")


def is_browser(app: str) -> bool:
    """True when the process name is a known web browser (".exe" and case ignored)."""
    return app.lower().removesuffix(".exe") in BROWSERS


def url_in_title(app: str, title: str) -> str | None:
    """The URL text as it appears in a browser's title (to be replaced there), or None."""
    if not is_browser(app):
        return None
    found = _URL.search(title)
    if found:
        return found.group(0).rstrip(".,;:)")
    page = _BROWSER_SUFFIX.sub("", title).strip()
    return page if _BARE.match(page) else None


def url_from_title(app: str, title: str) -> str | None:
    """The page's URL read from a browser window title, with a scheme, or None."""
    text = url_in_title(app, title)
    if text is None:
        return None
    return text if "://" in text else f"https://{text}"


def domain_of(url: str | None) -> str | None:
    """The host of a URL, lower-case, without a leading "www." (None when there is none)."""
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else f"https://{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.lower().rstrip(".").removeprefix("www.")
