"""Start the collector when the user logs in: one small module per platform, chosen here.

Each platform module exposes the same three functions — `install(command)`, `remove()`,
`installed_command()` — over its own mechanism: an XDG autostart `.desktop` file on Linux,
the `Run` key under HKCU on Windows, a LaunchAgent plist on macOS.
"""

from __future__ import annotations

import shutil
import sys
from types import ModuleType

__all__ = ["default_command", "install", "installed_command", "platform_module", "remove"]


def platform_module(platform: str | None = None) -> ModuleType:
    """The autostart module for this (or the given) platform."""
    platform = platform or sys.platform
    if platform == "win32":
        from collector.autostart import windows

        return windows
    if platform == "darwin":
        from collector.autostart import macos

        return macos
    from collector.autostart import linux

    return linux


def default_command() -> list[str]:
    """How to launch the collector at login: the console script if installed, else python -m."""
    script = shutil.which("teamtreck")
    if script:
        return [script, "collector", "app"]
    return [sys.executable, "-m", "teamtreck", "collector", "app"]


def install(command: list[str] | None = None) -> str:
    """Start the collector at every login; returns where that was recorded."""
    result: str = platform_module().install(command or default_command())
    return result


def remove() -> bool:
    """Stop starting at login; True when something was removed."""
    result: bool = platform_module().remove()
    return result


def installed_command() -> list[str] | None:
    """The command that starts at login, or None."""
    result: list[str] | None = platform_module().installed_command()
    return result
