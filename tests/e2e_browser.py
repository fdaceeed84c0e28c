"""Chromium on a thread of its own, for a test that runs beside the dashboards' tests.

Playwright's sync API refuses to start a second instance on a thread where one runs already
(the dashboards' session-wide `chromium` fixture keeps one for the whole run), so this browser
lives on its own thread and every call on it goes through `BrowserThread.call`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from tests.dashboards.conftest import CHROMIUM, CHROMIUM_ARGS

P = ParamSpec("P")
T = TypeVar("T")


class BrowserThread:
    """A Playwright Chromium owned by one worker thread."""

    def __init__(self) -> None:
        if not Path(CHROMIUM).exists():
            raise FileNotFoundError(f"{CHROMIUM} is missing: apt-get install -y chromium")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Any = None
        self.browser: Any = self.call(self._launch)

    def _launch(self) -> Any:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        return self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `function` on the browser's thread and return its result (or raise its error)."""
        return self._pool.submit(function, *args, **kwargs).result()

    def close(self) -> None:
        def stop() -> None:
            try:
                self.browser.close()
            finally:
                self._playwright.stop()

        try:
            self.call(stop)
        finally:
            self._pool.shutdown()
