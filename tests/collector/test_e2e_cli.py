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


@pytest.mark.slow
def test_the_app_as_a_process_is_one_per_user(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TEAMTRECK_HOME": str(tmp_path / "home"),
        "TEAMTRECK_RUNTIME_DIR": str(tmp_path / "run"),
        "TEAMTRECK_LOG_DIR": str(tmp_path / "logs"),
        "TEAMTRECK_SERVER": "http://127.0.0.1:9",  # nothing listens: the app runs offline
    }
    env.pop("DISPLAY", None)
    script = Path(sys.executable).with_name("teamtreck")  # the console script of this venv
    command = [str(script), "collector"]
    first = subprocess.Popen([*command, "app", "--no-tray"], env=env)
    try:
        wait_for("the first app", lambda: (tmp_path / "run" / "agent.sock").exists())
        second = subprocess.run(
            [*command, "app", "--no-tray"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
        status = subprocess.run(
            [*command, "status"], env=env, capture_output=True, text=True, timeout=60
        )
        assert status.returncode == 0, status.stderr
        assert "state: not signed in" in status.stdout
        subprocess.run([*command, "quit"], env=env, capture_output=True, timeout=60)
        assert first.wait(timeout=60) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert (tmp_path / "logs" / "collector.log").exists()
