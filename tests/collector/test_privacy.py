"""The company's privacy rules, applied before anything is stored (pure functions, no display)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.desktop import WindowInfo
from collector.privacy import (
    MASK,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Observation,
    app_matches,
    domain_blocked,
    mask_title,
    redact,
    screenshot_allowed,
    strip_url,
    within_working_hours,
)
from collector.rules import REDACTED_APP, Rules, ScreenshotRules, TrackingRules, WorkingHours

FIREFOX = "firefox"


def window(title: str, app: str = FIREFOX) -> WindowInfo:
    return WindowInfo(app=app, title=title, pid=42)


def tracking(**settings: object) -> Rules:
    return Rules(tracking=TrackingRules.model_validate(settings))


def test_a_plain_window_is_kept_as_it_is() -> None:
    seen = redact(window("Quarterly plan.ods - LibreOffice Calc", app="soffice.bin"), Rules())
    assert seen == Observation(app="soffice.bin", title="Quarterly plan.ods - LibreOffice Calc")


def test_no_window_is_recorded_as_an_empty_observation() -> None:
    assert redact(None, Rules()) == Observation()


def test_a_url_in_a_browser_title_gives_url_and_domain_without_the_query() -> None:
    seen = redact(window("https://www.Example.com/a/b?token=s3cret#top — Mozilla Firefox"), Rules())
    assert seen is not None
    assert seen.url == "https://www.example.com/a/b"
    assert seen.domain == "example.com"
    assert seen.title == "https://www.example.com/a/b — Mozilla Firefox"
    assert "s3cret" not in repr(seen)


def test_an_untitled_page_shows_its_bare_address() -> None:
    seen = redact(window("github.com/acme/tools - Chromium", app="chromium"), Rules())
    assert seen is not None
    assert seen.url == "https://github.com/acme/tools"
    assert seen.domain == "github.com"


def test_the_query_is_kept_only_when_the_rules_say_so() -> None:
    rules = tracking(strip_url_query=False)
    seen = redact(window("https://example.com/search?q=shoes"), rules)
    assert seen is not None
    assert seen.url == "https://example.com/search?q=shoes"


def test_credentials_in_a_url_are_always_dropped() -> None:
    assert strip_url("https://bob:hunter2@example.com:8443/x?y#z") == "https://example.com:8443/x"
    assert (
        strip_url("https://bob:hunter2@example.com/x?y", keep_query=True)
        == "https://example.com/x?y"
    )


def test_titles_off_records_no_title_but_the_app() -> None:
    seen = redact(window("Payroll 2026 — Mozilla Firefox"), tracking(titles=False))
    assert seen == Observation(app=FIREFOX, title=None)


def test_urls_off_keeps_url_and_domain_out_of_the_title_too() -> None:
    rules = tracking(urls=False)
    seen = redact(window("https://example.com/private/report - Google Chrome", app="chrome"), rules)
    assert seen == Observation(app="chrome", title="[url] - Google Chrome")


def test_apps_off_keeps_no_app_name() -> None:
    seen = redact(window("Notes", app="gedit"), tracking(apps=False))
    assert seen == Observation(app=None, title="Notes")


def test_urls_in_any_title_lose_their_query() -> None:
    seen = redact(window("curl https://api.example.com/v1?key=abc — bash", app="xterm"), Rules())
    assert seen is not None
    assert seen.title == "curl https://api.example.com/v1 — bash"
    assert seen.url is None


def test_titles_and_urls_are_bounded_in_length() -> None:
    seen = redact(
        window("x" * 5000 + " — Mozilla Firefox"), Rules(), url="https://a.io/" + "p" * 5000
    )
    assert seen is not None
    assert len(seen.title or "") == MAX_TITLE_CHARS
    assert len(seen.url or "") == MAX_URL_CHARS


def test_title_masks_replace_what_they_match() -> None:
    rules = tracking(title_masks=(r"\b\d{4}-\d{4}-\d{4}-\d{4}\b", r"(?i)patient: \w+"))
    seen = redact(window("Card 4111-1111-1111-1111 Patient: Smith", app="crm"), rules)
    assert seen is not None
    assert seen.title == f"Card {MASK} {MASK}"


def test_a_sensitive_app_keeps_only_the_word_redacted() -> None:
    rules = tracking(sensitive_apps=("keepassxc", "1password*"))
    for app in ("KeePassXC", "1Password.exe", "1password-beta"):
        seen = redact(window("Bank — https://bank.example/login?x=1", app=app), rules)
        assert seen == Observation(app=REDACTED_APP, sensitive=True)


def test_blocked_apps_and_domains_are_not_recorded_at_all() -> None:
    rules = tracking(blocked_apps=("signal*",), blocked_domains=("*.Facebook.com",))
    assert redact(window("Chat", app="signal-desktop"), rules) is None
    assert redact(window("https://m.facebook.com/groups — Mozilla Firefox"), rules) is None
    assert redact(window("Open facebook.com in a tab — Mozilla Firefox"), rules) is None
    assert redact(window("Page", app=FIREFOX), rules, url="https://facebook.com/x") is None
    assert redact(window("facebook.org — Mozilla Firefox"), rules) is not None
    assert redact(window("notfacebook.com — Mozilla Firefox"), rules) is not None
    assert redact(window("facebook.company.example — Mozilla Firefox"), rules) is not None
    assert redact(window("Was on FACEBOOK.COM again — notes", app="gedit"), rules) is None


def test_app_and_domain_matching() -> None:
    assert app_matches("Slack.exe", ["slack"])
    assert not app_matches("slacker", ["slack"])
    assert domain_blocked("a.b.example.com", ["example.com"])
    assert not domain_blocked("badexample.com", ["example.com"])
    assert not domain_blocked(None, ["example.com"])


def test_invalid_rules_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        TrackingRules(title_masks=("(unclosed",))
    with pytest.raises(ValueError, match="unknown time zone"):
        WorkingHours(time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="monitor_ids"):
        ScreenshotRules(monitor_mode="selected")


BERLIN_DAY = WorkingHours(enabled=True, time_zone="Europe/Berlin")


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), True),  # Monday 08:00 in Berlin (UTC+1)
        (datetime(2026, 11, 23, 6, 59, tzinfo=UTC), False),  # 07:59 local
        (datetime(2026, 11, 23, 16, 59, tzinfo=UTC), True),  # 17:59 local
        (datetime(2026, 11, 23, 17, 0, tzinfo=UTC), False),  # 18:00 local: the end is excluded
        (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), False),  # Saturday
        (datetime(2026, 7, 6, 6, 30, tzinfo=UTC), True),  # Monday 08:30 in summer (UTC+2)
    ],
)
def test_working_hours_follow_the_company_time_zone(at: datetime, inside: bool) -> None:
    assert within_working_hours(Rules(working_hours=BERLIN_DAY), at) is inside


def test_a_night_shift_runs_past_midnight() -> None:
    hours = WorkingHours(enabled=True, days=("fri",), start=time(22), end=time(6))
    night = Rules(working_hours=hours)
    assert within_working_hours(night, datetime(2026, 11, 27, 23, 0, tzinfo=UTC))  # Friday night
    assert within_working_hours(night, datetime(2026, 11, 28, 5, 0, tzinfo=UTC))  # Saturday early
    assert not within_working_hours(night, datetime(2026, 11, 28, 23, 0, tzinfo=UTC))
    assert not within_working_hours(night, datetime(2026, 11, 27, 5, 0, tzinfo=UTC))


def test_no_working_hours_means_always_and_naive_times_are_refused() -> None:
    assert within_working_hours(Rules(), datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    disabled = Rules(working_hours=BERLIN_DAY.model_copy(update={"enabled": False}))
    assert within_working_hours(disabled, datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="tz-aware"):
        within_working_hours(Rules(), datetime(2026, 11, 29, 3, 0))


def test_screenshots_need_consent_hours_and_a_non_sensitive_window() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    on = Rules()
    assert on.screenshots.enabled
    assert screenshot_allowed(Observation(app="x"), on, at)
    off = Rules(screenshots=ScreenshotRules(per_hour=0))
    assert not screenshot_allowed(Observation(app="x"), off, at)
    assert not screenshot_allowed(Observation(app=REDACTED_APP, sensitive=True), on, at)
    assert not screenshot_allowed(None, on, at)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert not screenshot_allowed(
        Observation(app="x"), on.model_copy(update={"working_hours": BERLIN_DAY}), saturday
    )


# Property tests: whatever the window shows, the rules hold.
labels = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
domains = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "de", "io"]),
)
paths = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True)
queries = st.from_regex(r"(\?[A-Za-z0-9=&%-]{0,12})?(#[A-Za-z0-9-]{0,8})?", fullmatch=True)
urls = st.builds(lambda d, p, q: f"https://{d}{p}{q}", domains, paths, queries)
titles = st.text(max_size=60)


@given(url=urls, before=titles, after=titles, blocked=domains)
def test_a_blocked_domain_never_appears_in_any_output(
    url: str, before: str, after: str, blocked: str
) -> None:
    rules = tracking(blocked_domains=(blocked,))
    for title, given_url in ((f"{before} {url} {after}", None), (before, url)):
        seen = redact(window(title), rules, url=given_url)
        if seen is not None:
            for text in (seen.app, seen.title, seen.url, seen.domain):
                assert not _names_host(text or "", blocked)


def _names_host(text: str, domain: str) -> bool:
    return re.search(rf"(?<![a-z0-9-]){re.escape(domain)}(?![a-z0-9-])", text.lower()) is not None


@given(url=urls, before=titles)
def test_a_stripped_url_never_has_a_query_or_fragment(url: str, before: str) -> None:
    assert "?" not in strip_url(url)
    assert "#" not in strip_url(url)
    seen = redact(window(before), Rules(), url=url)
    if seen is not None and seen.url is not None:
        assert "?" not in seen.url
        assert "#" not in seen.url


@given(
    title=titles,
    url=st.one_of(st.none(), urls),
    app=st.sampled_from([FIREFOX, "keepassxc", "KeePassXC.exe"]),
)
def test_a_sensitive_app_never_leaks_title_or_url(title: str, url: str | None, app: str) -> None:
    seen = redact(window(title, app=app), tracking(sensitive_apps=("keepassxc",)), url=url)
    if app != FIREFOX:
        assert seen == Observation(app=REDACTED_APP, sensitive=True)


@given(title=titles, secret=st.from_regex(r"[A-Z]{3}-[0-9]{6}", fullmatch=True))
def test_a_masked_pattern_never_survives(title: str, secret: str) -> None:
    rules = tracking(title_masks=(r"[A-Z]{3}-[0-9]{6}",))
    seen = redact(window(f"{title}{secret}{title}", app="crm"), rules)
    assert seen is not None
    assert seen.title is not None
    assert secret not in seen.title
    assert mask_title(secret, rules.tracking.title_masks) == MASK
