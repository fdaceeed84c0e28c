"""What a newcomer does, step by step: clone, run the README's command, use what it started.

The end-to-end test composes these; each step is a plain function over a `Newcomer` (the clone,
its deployment folder and the environment every command of theirs runs in).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
# Variables of the test's own environment that would make the clone use this checkout's venv.
T = TypeVar("T")
_FOREIGN = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "UV_OFFLINE")


def readme_commands(readme: Path = REPO_ROOT / "README.md") -> list[str]:
    """The shell commands of the README's ```sh blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", readme.read_text(), flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def readme_command(containing: str, readme: Path = REPO_ROOT / "README.md") -> str:
    """The one README command that contains `containing` (e.g. "teamtreck up")."""
    found = [c for c in readme_commands(readme) if containing in c]
    if len(found) != 1:
        raise AssertionError(f"the README should have one command with {containing!r}: {found}")
    return found[0]


@dataclass
class Newcomer:
    """A fresh clone, its deployment folder and the environment of the person's terminal."""

    clone: Path
    home: Path
    env: dict[str, str]
    lines: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    def teamtreck(self, *args: str, timeout_seconds: float = 120) -> str:
        """Run `teamtreck …` from the clone's venv (as `uv run` made it); returns its stdout."""
        done = subprocess.run(
            [str(self.clone / ".venv" / "bin" / "teamtreck"), *args],
            cwd=self.clone,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
        )
        if done.returncode != 0:
            raise AssertionError(f"teamtreck {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def sign_in_lines(self) -> dict[str, tuple[str, str]]:
        """role -> (email, password) from <home>/sign-in.txt, as `up` wrote it."""
        rows = [line.split() for line in (self.home / "sign-in.txt").read_text().splitlines()]
        return {row[0]: (row[1], row[2]) for row in rows if len(row) == 3}

    def output(self) -> str:
        return "".join(self.lines)[-6000:]


def clone_repository(target: Path, display: str) -> Newcomer:
    """`git clone` the committed HEAD of this repository; a private home and runtime folder."""
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(target / "clone")], check=True)
    home, runtime = target / "home", target / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    # A newcomer's terminal has no venv of ours on PATH: `python3` is the machine's own.
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env |= {
        "TEAMTRECK_HOME": str(home),
        "TEAMTRECK_RUNTIME_DIR": str(runtime),  # the test's own collector control socket
        "TEAMTRECK_LOG_DIR": str(target / "logs"),
        "DISPLAY": display,
        "PYTHONUNBUFFERED": "1",
    }
    return Newcomer(target / "clone", home, env)


def start_up(newcomer: Newcomer, command: str, *extra: str) -> None:
    """Run the README's command in the clone, in its own process group (a terminal's Ctrl-C
    reaches the whole group)."""
    full = command + "".join(" " + shlex.quote(arg) for arg in extra)
    process = subprocess.Popen(
        ["sh", "-c", full],
        cwd=newcomer.clone,
        env=newcomer.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    newcomer.process = process

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            newcomer.lines.append(line)

    threading.Thread(target=pump, daemon=True).start()


def wait_for_line(newcomer: Newcomer, text: str, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if any(text in line for line in newcomer.lines):
            return
        if newcomer.process is not None and newcomer.process.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"the README command never printed {text!r}:\n{newcomer.output()}")


def press_ctrl_c(newcomer: Newcomer, timeout_seconds: float = 60) -> int | None:
    """Ctrl-C at the terminal; kill the group if it does not stop in time."""
    process = newcomer.process
    if process is None or process.poll() is not None:
        return process.returncode if process else None
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.wait(timeout_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        return None


def wait_until(check: Callable[[], T | None], what: str, timeout_seconds: float) -> T:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout_seconds:.0f} s waiting for {what}")
