"""macOS: a LaunchAgent, `~/Library/LaunchAgents/org.teamtreck.collector.plist`.

launchd loads every plist in that folder at login. Loading it now as well goes through
`launchctl`, run by `runner` so tests can record the call instead.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import subprocess
from collections.abc import Callable
from pathlib import Path

LABEL = "org.teamtreck.collector"
Runner = Callable[[list[str]], object]


def agents_folder() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def _run(args: list[str]) -> object:
    return subprocess.run(args, check=False, capture_output=True)


def install(command: list[str], folder: Path | None = None, runner: Runner = _run) -> str:
    folder = folder or agents_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{LABEL}.plist"
    plist = {
        "Label": LABEL,
        "ProgramArguments": command,
        "RunAtLoad": True,
        # Restart after a crash, not after the user chose Quit (a clean exit).
        "KeepAlive": {"SuccessfulExit": False},
        "ProcessType": "Interactive",
    }
    temp = path.with_suffix(".tmp")
    temp.write_bytes(plistlib.dumps(plist))
    os.replace(temp, path)
    runner(["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)])
    return str(path)


def remove(folder: Path | None = None, runner: Runner = _run) -> bool:
    path = (folder or agents_folder()) / f"{LABEL}.plist"
    if not path.exists():
        return False
    runner(["launchctl", "bootout", f"gui/{os.getuid()}", str(path)])
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def installed_command(folder: Path | None = None) -> list[str] | None:
    path = (folder or agents_folder()) / f"{LABEL}.plist"
    if not path.exists():
        return None
    data = plistlib.loads(path.read_bytes())
    return [str(part) for part in data.get("ProgramArguments", [])] or None
