"""Child processes of `teamtreck up`: started together, watched, stopped together."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """A part did not come up; the message says which and where its output is."""


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str | None = None  # polled until it answers 2xx/3xx
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, start_new_session=True)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()


def teamtreck_argv(*args: str) -> list[str]:
    """Run a `teamtreck` subcommand with this interpreter (works from any venv or checkout)."""
    return [sys.executable, "-m", "teamtreck", *args]


def wait_ready(child: Child, timeout_seconds: float) -> None:
    if child.ready_url is None:
        return
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        code = child.exited()
        if code is not None:
            raise StartupError(
                f"{child.name} stopped while starting (exit code {code}); see above."
            )
        try:
            with urllib.request.urlopen(child.ready_url, timeout=2):  # noqa: S310 (our own loopback URL)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise StartupError(
        f"{child.name} did not answer at {child.ready_url} within {timeout_seconds:.0f} s. "
        "Is the port already taken? Choose another with the command's --*-port options."
    )


class Supervisor:
    """Starts children in order, waits for each to be ready, and stops all of them on exit."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    def start(self, child: Child, ready_timeout_seconds: float = 60) -> None:
        self.children.append(child)
        child.start()
        wait_ready(child, ready_timeout_seconds)
        log.info("%s started (pid %s)", child.name, child.process.pid if child.process else "?")

    def first_exited(self) -> Child | None:
        return next((c for c in self.children if c.exited() is not None), None)

    def stop_all(self, grace_seconds: float = 10) -> None:
        """SIGTERM every child (its whole process group), then SIGKILL what is left."""
        for child in reversed(self.children):
            if child.process and child.exited() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %s s; killing it", child.name, grace_seconds)
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
