"""The dashboards in a real browser: Debian Chromium driven by Playwright, against a served
dashboard process, a live API server and a compacted lake.

Each page is visited by its menu link (a full reload would start a new, signed-out session),
its figures are compared with the lake's own metrics, and a screenshot of it is saved.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from lakehouse import metrics
from lakehouse.engine import connect, open_lake
from lakehouse.keys import FileKeyStore
from tests.dashboards.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT_MS = 30_000
PAGES = ["Overview", "Live", "People", "Timeline", "Apps & sites", "Screenshots", "Settings"]


def sign_in(browser: Any, url: str, email: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebarNav").wait_for()
    return page


def open_page(page: Any, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link").filter(has_text=title).click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_until_idle(page)


def wait_until_idle(page: Any) -> None:
    """Wait for Streamlit to finish the script run (its status widget disappears)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached")


def metric_value(page: Any, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label).first
    return str(metric.get_by_test_id("stMetricValue").inner_text()).strip()


def thumbnails_shown(page: Any) -> int:
    """How many gallery images the browser decoded (decrypted thumbnails that really arrived)."""
    images = page.get_by_test_id("stImage").locator("img")
    images.first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    return int(images.count())


def check_csv_export(page: Any, world: World) -> None:
    """The People CSV lists everyone in scope with the hours the lake has for them."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    table = pl.read_csv(download.value.path())
    lake = lake_connection(world, world.acme.company_id)
    first, end = world.days[-1] - dt.timedelta(days=6), world.days[-1] + dt.timedelta(days=1)
    summary = metrics.daily_summary(lake, world.acme.company_id, first, end).pl()
    person = world.acme.people[0]
    row = table.filter(pl.col("user_id") == person.user_id).row(0, named=True)
    worked = summary.filter(pl.col("user_id") == person.user_id)["worked_seconds"].sum()
    assert row["person"] == person.name
    assert row["worked_hours"] == pytest.approx(worked / 3600)
    assert table.height == 7


def check_zip_download(page: Any, world: World) -> None:
    """The day's zip holds every screenshot, decrypted; the download is in the audit log."""
    button = page.get_by_role("button", name=re.compile("Download the day"))
    expected = int(re.search(r"\((\d+) images", button.inner_text()).group(1))  # type: ignore[union-attr]
    with page.expect_download() as download:
        button.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        assert len(names) == expected
        assert archive.read(names[0])[:2] == b"\xff\xd8"  # a JPEG again, not ciphertext
    person = world.acme.people[0]
    with httpx.Client(base_url=world.api_url, headers={"X-Device-ID": "check"}) as http:
        login = {"email": person.email, "password": PASSWORD, "device": {"id": "check"}}
        token = http.post("/api/auth/login", json=login).json()["access_token"]
        log = http.get("/api/me/access-log", headers={"Authorization": f"Bearer {token}"}).json()
    assert any(e["detail"].startswith("download") for e in log)


def menu(page: Any) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    return [text.strip().split("\n")[-1] for text in links]  # after the icon's name


def select_options(page: Any, label: str) -> list[str]:
    page.get_by_label(label).first.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(o.strip() for o in options)


def lake_connection(world: World, company_id: str) -> Any:
    lake = open_lake(world.lake_url, FileKeyStore(world.keys_dir))
    return connect(lake=lake, company_id=company_id)


def today_totals(world: World, company_id: str) -> dict[str, Any]:
    con = lake_connection(world, company_id)
    today = world.days[-1]
    frame = metrics.daily_totals(con, company_id, today, today + dt.timedelta(days=1)).pl()
    return frame.row(0, named=True)


def test_an_admin_visits_every_page_and_sees_the_lakes_figures(
    world: World, serve_dashboard: Callable[..., str], chromium: Any, tmp_path: Path
) -> None:
    url = serve_dashboard(**world.dashboard_env())
    page = sign_in(chromium, url, world.acme.admin.email)
    assert menu(page) == PAGES
    wait_until_idle(page)
    totals = today_totals(world, world.acme.company_id)
    assert metric_value(page, "People") == "7"
    assert metric_value(page, "Active today") == str(totals["people"])
    assert metric_value(page, "Hours today") == f"{totals['worked_seconds'] / 3600:.1f}"
    assert metric_value(page, "Avg activity") == f"{totals['activity_percent']:.0f} %"
    for title in PAGES:
        open_page(page, title)
        assert not page.get_by_test_id("stException").count(), f"{title} raised"
        if title == "Screenshots":
            assert thumbnails_shown(page) > 0
            check_zip_download(page, world)
        if title == "People":
            check_csv_export(page, world)
        page.screenshot(path=str(tmp_path / f"{title.split()[0].lower()}.png"), full_page=True)
    page.close()


def test_a_sub_admin_and_another_companys_admin_see_only_their_own(
    world: World, serve_dashboard: Callable[..., str], chromium: Any, tmp_path: Path
) -> None:
    url = serve_dashboard(**world.dashboard_env())
    names = {p.user_id: p.name for p in world.acme.people}

    lead = sign_in(chromium, url, world.sub_admin.email)
    assert "Settings" not in menu(lead)
    open_page(lead, "Timeline")
    assert select_options(lead, "Person") == sorted(names[u] for u in world.red)
    lead.screenshot(path=str(tmp_path / "sub_admin_timeline.png"), full_page=True)
    lead.close()

    other = sign_in(chromium, url, world.globex.admin.email)
    wait_until_idle(other)
    totals = today_totals(world, world.globex.company_id)
    assert metric_value(other, "People") == "3"
    assert metric_value(other, "Hours today") == f"{totals['worked_seconds'] / 3600:.1f}"
    open_page(other, "Timeline")
    options = select_options(other, "Person")
    assert options == sorted(p.name for p in [world.globex.admin, *world.globex.people])
    other.close()


def test_the_timeline_lanes_read_apart_and_a_screenshot_marker_opens_its_image(
    world: World, serve_dashboard: Callable[..., str], chromium: Any, tmp_path: Path
) -> None:
    url = serve_dashboard(**world.dashboard_env())
    page = sign_in(chromium, url, world.acme.admin.email)
    open_page(page, "Timeline")
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.locator("g.role-axis-label text").first.wait_for()  # drawn
    lanes = ["Session", "Activity", "App", "Screenshots"]
    labels = chart.locator("g.role-axis-label text")
    rows = [labels.filter(has_text=re.compile(f"^{lane}$")).first.bounding_box() for lane in lanes]
    tops = [row["y"] for row in rows if row]
    assert len(tops) == len(lanes)
    # Lanes at least a bar (22 px) apart: no bar covers its neighbour's, no label is dropped.
    assert all(b - a >= 22 for a, b in itertools.pairwise(tops)), tops
    assert not page.get_by_test_id("stImage").count()
    marker = chart.locator("g.mark-symbol path").first
    marker.click()
    page.get_by_test_id("stImage").locator("img").first.wait_for()
    wait_until_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.get_by_role("heading", name="What happened").count() == 1
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
    page.close()
