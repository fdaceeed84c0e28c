"""Fixtures of the dashboards' tests: a served dashboard process and a real Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy in {timeout_s} s")


@pytest.fixture
def closed_port_url() -> str:
    """The URL of a loopback port nobody listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def serve_dashboard(tmp_path: Path) -> Iterator[object]:
    """Start `teamtreck dashboard` on a free port with the given settings; returns its URL."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> str:
        port = free_port()
        env = {**os.environ, **{f"TEAMTRECK_DASHBOARD_{k.upper()}": v for k, v in settings.items()}}
        log = (tmp_path / f"dashboard-{port}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "teamtreck", "dashboard", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole below
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url + "/_stcore/health", process)
        return url

    try:
        yield start
    finally:
        for process in processes:
            stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process and everything it started (SIGTERM, then SIGKILL after 10 s)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Two companies on a live API server, with three compacted days of simulated work."""
    from tests.dashboards.world import ApiServer, api_settings, build_world

    home = tmp_path_factory.mktemp("world")
    settings = api_settings(home)
    server = ApiServer(settings)
    url = server.start()
    try:
        yield build_world(home, server, settings, url)
    finally:
        server.stop()


@pytest.fixture
def sign_in(world: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """Sign in through the login form (AppTest) as `email`; returns the app on its landing page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.dashboards.world import PASSWORD

    for key, value in world.dashboard_env().items():  # type: ignore[attr-defined]
        monkeypatch.setenv(f"TEAMTRECK_DASHBOARD_{key.upper()}", value)
    st.cache_resource.clear()
    st.cache_data.clear()

    def login(email: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60).run()
        at.text_input(key="login_email").input(email)
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run()
        assert not at.exception, at.exception
        return at

    return login
