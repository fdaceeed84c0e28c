"""A newcomer's first hour, end to end, with nothing faked.

`git clone` this repository's committed HEAD into a temp folder, run the README's command for
the whole platform in the clone (its own venv, installed by `uv run`), sign in to the dashboards
in Chromium as the admin `up` created, work for a few seconds in a titled window on a real X
display through the collector `up` started, end work, and find that work on the Timeline page of
"You (this desktop)" — and the exact key and click counts on the employee's own "My activity
today" page and in the compacted lake, with the window title.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collector.conftest import (  # noqa: F401 - fixtures
    TitledWindow,
    XDisplay,
    XDoTool,
    titled_window,
    x_display,
    xdotool,
)
from tests.e2e_browser import BrowserThread
from tests.e2e_newcomer import (
    Newcomer,
    clone_repository,
    press_ctrl_c,
    readme_command,
    start_up,
    wait_for_line,
    wait_until,
)
from tests.teamtreck.conftest import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.display,
    pytest.mark.browser,
    pytest.mark.timeout(600),
]
WAIT_MS = 60_000
TITLE = "Quarterly plan draft 7"  # ASCII: xterm -T sends other titles as compound text
TYPED = "teamtreck works 42"  # lowercase, digits and spaces: one key press per character
CLICKS = 3


@pytest.fixture
def chromium_thread() -> Iterator[BrowserThread]:
    """Chromium on its own thread (the dashboards' tests keep theirs open on the main one)."""
    try:
        browser = BrowserThread()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    try:
        yield browser
    finally:
        browser.close()


def lake_rows(newcomer: Newcomer, company_id: str, user_id: str) -> list[tuple[Any, ...]] | None:
    """(app, title, keystrokes, clicks) per compacted sample of the person; None while empty."""
    from lakehouse import FileKeyStore, connect

    con = connect((newcomer.home / "lake").as_uri(), FileKeyStore(newcomer.home / "keys"))
    rows = con.execute(
        "SELECT app, title, keystrokes, clicks FROM activity "
        "WHERE company_id = ? AND user_id = ? ORDER BY ts",
        [company_id, user_id],
    ).fetchall()
    return rows or None


def sign_in(browser: Any, url: str, email: str, password: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebarNav").wait_for()
    return page


def wait_until_idle(page: Any) -> None:
    """Wait for Streamlit to finish the script run (its status widget disappears)."""
    page.wait_for_timeout(500)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached")


def open_timeline_of(page: Any, person: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link").filter(has_text="Timeline").click()
    page.get_by_role("heading", name="Timeline").first.wait_for()
    wait_until_idle(page)
    page.get_by_label("Person").first.click()
    page.get_by_role("option").filter(has_text=person).first.click()
    wait_until_idle(page)


def open_timeline_with_data(page: Any, person: str, timeout_seconds: float) -> None:
    """Open the person's Timeline until it shows their day: the dashboards list the lake again
    every 20 s in the background, so newly compacted work appears within about 40 s."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        open_timeline_of(page, person)
        text = str(page.locator("body").inner_text())
        if "Nothing recorded" not in text:
            return
        assert time.monotonic() < deadline, f"the Timeline never showed the work:\n{text}"
        page.wait_for_timeout(10_000)
        page.get_by_test_id("stSidebarNav").get_by_role("link").first.click()
        wait_until_idle(page)


def app_band_labels(page: Any) -> set[str]:
    """Hover along the chart's rows and collect the labels its tooltips show."""
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None, "the Timeline chart is not on the page"
    seen: set[str] = set()
    for y in range(int(box["y"]) + 20, int(box["y"] + box["height"]) - 40, 6):
        for fraction in (0.3, 0.5, 0.7, 0.9):
            page.mouse.move(box["x"] + box["width"] * fraction, y)
            tip = page.locator("#vg-tooltip-element")
            if tip.count() and tip.first.is_visible():
                seen.add(tip.first.inner_text())
    return seen


def work_in_window(window: TitledWindow, tool: XDoTool) -> None:
    """Type and click inside the window (a click on the bare desktop would take the focus)."""
    tool.run("mousemove", "--window", window.window_id, "200", "120")
    window.activate()
    tool.type(TYPED)
    tool.click(1, CLICKS)


def my_activity_counts(browser: Any, newcomer: Newcomer) -> tuple[int, int, str]:
    """Keystrokes and clicks on the employee's own "My activity today" page, and its text."""
    answer = newcomer.teamtreck("collector", "activity", "--json")
    page = browser.new_page()
    page.goto(json.loads(answer)["url"])
    text = str(page.locator("body").inner_text())
    page.close()
    keys = re.search(r"Keystrokes \(counts only\)\s+(\d+)", text)
    clicks = re.search(r"Clicks\s+(\d+)", text)
    assert keys, text
    assert clicks, text
    return int(keys.group(1)), int(clicks.group(1)), text


def test_a_newcomer_clones_runs_the_readme_and_sees_their_work(
    tmp_path: Path,
    x_display: XDisplay,  # noqa: F811
    titled_window: Callable[..., TitledWindow],  # noqa: F811
    xdotool: XDoTool,  # noqa: F811
    chromium_thread: BrowserThread,
) -> None:
    browser = chromium_thread.browser
    on_browser = chromium_thread.call
    started_at = time.monotonic()
    phases: dict[str, float] = {}
    newcomer = clone_repository(tmp_path, x_display.name)
    api_port, dashboard_port = free_port(), free_port()
    command = readme_command("teamtreck up")
    start_up(
        newcomer,
        command,
        "--api-port",
        str(api_port),
        "--dashboard-port",
        str(dashboard_port),
        "--compact-every",
        "5",
    )
    try:
        wait_for_line(newcomer, "Sign-in details", timeout_seconds=300)
        phases["install and start"] = time.monotonic() - started_at
        wait_for_line(newcomer, "Collector", timeout_seconds=5)
        admin_email, admin_password = newcomer.sign_in_lines()["company_admin"]
        dashboard_url = f"http://127.0.0.1:{dashboard_port}"
        dashboards = on_browser(sign_in, browser, dashboard_url, admin_email, admin_password)

        window = titled_window(TITLE, geometry="100x30+300+200")
        newcomer.teamtreck("collector", "start")
        work_in_window(window, xdotool)
        time.sleep(11)  # one full 10 s sample with the window in front
        newcomer.teamtreck("collector", "end")
        keys, clicks, text = on_browser(my_activity_counts, browser, newcomer)
        assert (keys, clicks) == (len(TYPED), CLICKS), text

        deployment = (newcomer.home / "deployment.json").read_text()
        company_id = re.search(r'"company_id": "([^"]+)"', deployment).group(1)  # type: ignore[union-attr]
        user_id = re.search(r'"desktop_user_id": "([^"]+)"', deployment).group(1)  # type: ignore[union-attr]
        ended_at = time.monotonic()
        rows = wait_until(
            lambda: lake_rows(newcomer, company_id, user_id),
            "the work to be uploaded and compacted",
            timeout_seconds=120,
        )
        assert {row[0] for row in rows if row[2] or row[3]} == {"xterm"}, rows
        assert TITLE in {row[1] for row in rows}, rows
        assert sum(row[2] for row in rows) == len(TYPED)
        assert sum(row[3] for row in rows) == CLICKS

        phases["upload and compaction"] = time.monotonic() - ended_at
        on_browser(open_timeline_with_data, dashboards, "You (this desktop)", 150)
        phases["until the Timeline shows it"] = time.monotonic() - ended_at
        labels = on_browser(app_band_labels, dashboards)
        assert any("xterm" in label for label in labels), labels
        shot = tmp_path / f"timeline-{dt.datetime.now(dt.UTC):%H%M%S}.png"
        on_browser(dashboards.screenshot, path=str(shot), full_page=True)
        print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items()))
    finally:
        press_ctrl_c(newcomer)
