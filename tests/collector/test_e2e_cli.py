"""The employee's commands against a running collector (and the sign-in prompt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from test_e2e_app import Desk, start_desk, wait_for

from collector import employee_cli

if TYPE_CHECKING:
    from live_api import LiveApi

pytest_plugins = ("live_api",)


@pytest.fixture
def cli_desk(live_api: LiveApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    monkeypatch.setenv("TEAMTRECK_RUNTIME_DIR", str(tmp_path / "run"))
    running = start_desk(live_api, tmp_path)
    yield running
    running.app.quit()
    running.thread.join(timeout=30)


def test_commands_drive_the_running_collector(live_api: LiveApi, cli_desk: Desk) -> None:
    runner = CliRunner()
    answer = runner.invoke(
        employee_cli.login,
        ["--server", live_api.url],
        input=f"{live_api.employee_email}\n{live_api.password}\n",
    )
    assert answer.exit_code == 0, answer.output
    assert f"Signed in as {live_api.employee_email}" in answer.output
    assert live_api.password not in answer.output  # the prompt hides it
    started = runner.invoke(employee_cli.start)
    assert started.exit_code == 0, started.output
    assert "state: working" in started.output
    again = runner.invoke(employee_cli.start)
    assert again.exit_code == 1
    assert "already running since" in again.output
    wait_for("samples", lambda: len(cli_desk.sources.rows("activity")) >= 2)
    assert "state: paused" in runner.invoke(employee_cli.pause).output
    assert "state: working" in runner.invoke(employee_cli.resume).output
    assert "state: not working" in runner.invoke(employee_cli.end).output
    shown = runner.invoke(employee_cli.activity, ["--json"])
    assert '"url": "http://127.0.0.1:' in shown.output


def test_commands_say_when_no_collector_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAMTRECK_RUNTIME_DIR", str(tmp_path / "run"))
    answer = CliRunner().invoke(employee_cli.status)
    assert answer.exit_code == 1
    assert "not running" in answer.output
    assert "teamtreck collector app" in answer.output


def test_login_without_a_running_collector_keeps_the_tokens(
    live_api: LiveApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAMTRECK_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("TEAMTRECK_COLLECTOR_SPOOL_DIR", str(tmp_path / "collector"))
    runner = CliRunner()
    wrong = runner.invoke(
        employee_cli.login, ["--server", live_api.url], input=f"{live_api.employee_email}\nnope\n"
    )
    assert wrong.exit_code == 1
    assert "Wrong email or password" in wrong.output
    answer = runner.invoke(
        employee_cli.login,
        ["--server", live_api.url],
        input=f"{live_api.employee_email}\n{live_api.password}\n",
    )
    assert answer.exit_code == 0, answer.output
    assert (tmp_path / "collector" / "credentials" / "tokens.json").exists()


def test_autostart_switches_on_and_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    runner = CliRunner()
    assert "starts at login" in runner.invoke(employee_cli.autostart, ["on"]).output
    assert (tmp_path / "autostart" / "teamtreck-collector.desktop").exists()
    assert "no longer starts" in runner.invoke(employee_cli.autostart, ["off"]).output
    assert "was not set" in runner.invoke(employee_cli.autostart, ["off"]).output
