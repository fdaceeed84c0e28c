"""Signing in: the gate in front of every page, and what a manager sees when it fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


@pytest.fixture
def unreachable_api(monkeypatch: pytest.MonkeyPatch, closed_port_url: str) -> str:
    monkeypatch.setenv("TEAMTRECK_DASHBOARD_API_URL", closed_port_url)
    st.cache_resource.clear()
    return closed_port_url


def test_only_the_sign_in_form_is_shown_before_signing_in(unreachable_api: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert at.title[0].value == "TeamTreck"


def test_an_unreachable_api_is_reported_with_what_to_do(unreachable_api: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input(key="login_email").input("boss@example.com")
    at.text_input(key="login_password").input("secret")
    at.button[0].click().run()
    assert not at.exception
    assert "did not answer" in at.error[0].value
    assert "TEAMTRECK_DASHBOARD_API_URL" in at.error[0].value


@pytest.mark.browser
def test_the_served_dashboard_shows_the_sign_in_page(
    serve_dashboard: Callable[..., str], chromium: object, closed_port_url: str, tmp_path: Path
) -> None:
    url = serve_dashboard(api_url=closed_port_url)
    page = chromium.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password", exact=True).fill("secret")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("did not answer").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "login.png"))
    page.close()
