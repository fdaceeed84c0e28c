"""The sign-in window on a real display: typed e-mail and password come back; Escape cancels."""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Any

import pytest

from collector.login_dialog import Typed, ask_credentials

pytestmark = pytest.mark.display


def _dialog_window(env: dict[str, str]) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "TeamTreck: sign in"],
            env=env,
            capture_output=True,
            text=True,
        ).stdout.split()
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("the sign-in window did not appear")


def _open_dialog() -> tuple[threading.Thread, list[Typed | None]]:
    result: list[Typed | None] = []
    thread = threading.Thread(
        target=lambda: result.append(ask_credentials("https://teamtreck.example.com")),
        daemon=True,
    )
    thread.start()
    return thread, result


def test_typed_credentials_come_back(x_display: Any, xdotool: Any) -> None:
    thread, result = _open_dialog()
    window = _dialog_window(x_display.env)
    xdotool.run("windowactivate", "--sync", window)
    xdotool.type("ann@acme.example")
    xdotool.key("Tab")
    xdotool.type("correct horse battery")
    xdotool.key("Return")
    thread.join(timeout=15)
    assert result == [Typed("ann@acme.example", "correct horse battery")]
    assert "correct" not in repr(result[0])


def test_escape_cancels(x_display: Any, xdotool: Any) -> None:
    thread, result = _open_dialog()
    window = _dialog_window(x_display.env)
    xdotool.run("windowactivate", "--sync", window)
    xdotool.key("Escape")
    thread.join(timeout=15)
    assert result == [None]
