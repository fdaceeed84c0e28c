"""Running `teamtreck up` as a person would: a real process, real ports, Ctrl-C at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class UpProcess:
    process: subprocess.Popen[str]
    home: Path
    api_url: str
    dashboard_url: str
    lines: list[str] = field(default_factory=list)

    def wait_for_line(self, text: str, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        output = "".join(self.lines)[-4000:]
        raise AssertionError(f"`teamtreck up` never printed {text!r}; output:\n{output}")

    def interrupt(self, timeout_seconds: float = 30) -> int:
        """Ctrl-C, as a person at the terminal would; returns the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout_seconds)


def start_up(home: Path, *args: str, env: dict[str, str] | None = None) -> UpProcess:
    api_port, dashboard_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "teamtreck",
            "up",
            "--api-port",
            str(api_port),
            "--dashboard-port",
            str(dashboard_port),
            *args,
        ],
        env={**os.environ, "TEAMTRECK_HOME": str(home), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    up = UpProcess(
        process, home, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dashboard_port}"
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            up.lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    return up


@pytest.fixture
def run_up() -> Iterator[type[UpProcess]]:
    """Start `teamtreck up …` with `run_up.start(home, *args)`; whatever is left is stopped."""
    started: list[UpProcess] = []

    class Runner:
        @staticmethod
        def start(home: Path, *args: str, env: dict[str, str] | None = None) -> UpProcess:
            up = start_up(home, *args, env=env)
            started.append(up)
            return up

    yield Runner  # type: ignore[misc]
    for up in started:
        if up.process.poll() is None:
            try:
                up.interrupt()  # lets `up` stop its children too
            except subprocess.TimeoutExpired:
                up.process.kill()
                up.process.wait(10)
