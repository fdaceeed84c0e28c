"""Windows: a value under `HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`.

The registry is reached through `registry`, a module with winreg's functions; tests pass a
fake with the same functions because winreg exists only on Windows.
"""

from __future__ import annotations

import subprocess
from types import ModuleType
from typing import Any

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "TeamTreck Collector"


def _winreg() -> ModuleType:
    import winreg  # only on Windows

    return winreg


def install(command: list[str], registry: Any = None) -> str:
    reg = registry or _winreg()
    with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
        reg.SetValueEx(key, VALUE_NAME, 0, reg.REG_SZ, subprocess.list2cmdline(command))
    return f"HKCU\\{RUN_KEY}\\{VALUE_NAME}"


def remove(registry: Any = None) -> bool:
    reg = registry or _winreg()
    with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
        try:
            reg.DeleteValue(key, VALUE_NAME)
        except FileNotFoundError:
            return False
    return True


def installed_command(registry: Any = None) -> list[str] | None:
    reg = registry or _winreg()
    with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_READ) as key:
        try:
            value, _kind = reg.QueryValueEx(key, VALUE_NAME)
        except FileNotFoundError:
            return None
    return _split_windows(str(value))


def _split_windows(line: str) -> list[str]:
    """Undo subprocess.list2cmdline for the simple quoting it produces."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            if current:
                parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        parts.append("".join(current))
    return parts
