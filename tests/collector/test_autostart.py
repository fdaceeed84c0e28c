"""Starting at login: XDG autostart for real; Windows and macOS through their seams."""

from __future__ import annotations

import configparser
import plistlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import collector.autostart as autostart
from collector.autostart import linux, macos, windows

COMMAND = ["/opt/Team Treck/bin/teamtreck", "collector", "app"]


def test_linux_desktop_entry_installs_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert autostart.platform_module("linux") is linux
    where = autostart.install(COMMAND)
    entry = tmp_path / "autostart" / "teamtreck-collector.desktop"
    assert where == str(entry)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(entry)
    assert parser["Desktop Entry"]["Type"] == "Application"
    assert autostart.installed_command() == COMMAND  # a path with a space survives quoting
    assert autostart.remove() is True
    assert not entry.exists()
    assert autostart.remove() is False
    assert autostart.installed_command() is None


def test_default_command_runs_the_collector() -> None:
    assert autostart.default_command()[-2:] == ["collector", "app"]


class FakeWinreg:
    """winreg's functions over a dict, at the seam windows.py defines."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    KEY_READ = 1
    REG_SZ = 1

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], str] = {}

    @contextmanager
    def OpenKey(self, root: str, sub_key: str, reserved: int, access: int) -> Iterator[str]:
        yield f"{root}\\{sub_key}"

    def SetValueEx(self, key: str, name: str, reserved: int, kind: int, value: str) -> None:
        self.values[(key, name, "sz")] = value

    def DeleteValue(self, key: str, name: str) -> None:
        if (key, name, "sz") not in self.values:
            raise FileNotFoundError(name)
        del self.values[(key, name, "sz")]

    def QueryValueEx(self, key: str, name: str) -> tuple[Any, int]:
        if (key, name, "sz") not in self.values:
            raise FileNotFoundError(name)
        return self.values[(key, name, "sz")], self.REG_SZ


def test_windows_run_key_installs_and_removes() -> None:
    registry = FakeWinreg()
    command = [r"C:\Program Files\TeamTreck\teamtreck.exe", "collector", "app"]
    where = windows.install(command, registry=registry)
    assert where.endswith(r"CurrentVersion\Run\TeamTreck Collector")
    run_key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"
    stored = registry.values[(run_key, "TeamTreck Collector", "sz")]
    assert stored == r'"C:\Program Files\TeamTreck\teamtreck.exe" collector app'
    assert windows.installed_command(registry=registry) == command
    assert windows.remove(registry=registry) is True
    assert windows.remove(registry=registry) is False
    assert windows.installed_command(registry=registry) is None


def test_macos_launch_agent_installs_loads_and_removes(tmp_path: Path) -> None:
    calls: list[list[str]] = []
    where = macos.install(COMMAND, folder=tmp_path, runner=calls.append)
    plist = plistlib.loads(Path(where).read_bytes())
    assert plist["Label"] == "org.teamtreck.collector"
    assert plist["ProgramArguments"] == COMMAND
    assert plist["RunAtLoad"] is True
    assert calls[0][:2] == ["launchctl", "bootstrap"]
    assert macos.installed_command(folder=tmp_path) == COMMAND
    assert macos.remove(folder=tmp_path, runner=calls.append) is True
    assert calls[1][:2] == ["launchctl", "bootout"]
    assert not Path(where).exists()
    assert macos.remove(folder=tmp_path, runner=calls.append) is False
