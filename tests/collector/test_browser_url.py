"""URLs and domains read from browser window titles."""

from __future__ import annotations

import pytest

from collector.browser_url import domain_of, is_browser, url_from_title


@pytest.mark.parametrize(
    ("app", "title", "url"),
    [
        ("firefox", "https://example.com/a?b=1 — Mozilla Firefox", "https://example.com/a?b=1"),
        (
            "chrome.exe",
            "docs.python.org/3/library - Google Chrome",
            "https://docs.python.org/3/library",
        ),
        ("Safari", "github.com", "https://github.com"),
        ("chromium", "Pull requests · acme/tools - Chromium", None),  # a titled page: no URL shown
        ("xterm", "https://example.com — curl", None),  # not a browser
        ("firefox", "Read README.md — Mozilla Firefox", None),
        (
            "msedge.exe",
            "See (https://intranet.local:8443/wiki). - Microsoft Edge",
            "https://intranet.local:8443/wiki",
        ),
    ],
)
def test_urls_come_from_browser_titles_only(app: str, title: str, url: str | None) -> None:
    assert url_from_title(app, title) == url


def test_domains_are_lower_case_without_www() -> None:
    assert domain_of("https://WWW.Example.COM:8080/x") == "example.com"
    assert domain_of("https://sub.example.com.") == "sub.example.com"
    assert domain_of("example.org/path") == "example.org"
    assert domain_of(None) is None
    assert domain_of("https://[::1") is None  # unparseable: no domain rather than a crash


def test_browser_names() -> None:
    assert is_browser("Firefox")
    assert is_browser("brave.exe")
    assert not is_browser("code")
