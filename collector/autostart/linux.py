"""XDG autostart: `$XDG_CONFIG_HOME/autostart/teamtreck-collector.desktop`.

Desktop environments following the XDG autostart spec (GNOME, KDE, XFCE, …) start every
`.desktop` entry in that folder at login.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import shlex
from pathlib import Path

ENTRY_NAME = "teamtreck-collector.desktop"


def autostart_folder() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart"


def install(command: list[str], folder: Path | None = None) -> str:
    folder = folder or autostart_folder()
    folder.mkdir(parents=True, exist_ok=True)
    entry = (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=TeamTreck Collector\n"
        "Comment=Records work sessions you start; see what is recorded from its tray menu\n"
        f"Exec={shlex.join(command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )
    path = folder / ENTRY_NAME
    temp = path.with_suffix(".tmp")
    temp.write_text(entry, encoding="utf-8")
    os.replace(temp, path)
    return str(path)


def remove(folder: Path | None = None) -> bool:
    path = (folder or autostart_folder()) / ENTRY_NAME
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False


def installed_command(folder: Path | None = None) -> list[str] | None:
    path = (folder or autostart_folder()) / ENTRY_NAME
    if not path.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    exec_line = parser.get("Desktop Entry", "Exec", fallback="")
    return shlex.split(exec_line) or None
