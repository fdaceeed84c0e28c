"""ActivityWatch's server (aw-server 0.12.0) in a venv of its own: a peer to measure against.

aw-server only works with old Flask and peewee (newer ones answer HTTP 500), so it gets a venv of
its own under ~/.cache/teamtreck-bench/aw-venv, built once with uv. Each run gets a fresh HOME and
XDG folders so its database starts empty and nothing of the user's is touched.

    with activitywatch_server(buckets=100) as server:
        print(server.port, server.bucket_ids[:3])

Run this module to set the venv up and check that a heartbeat goes through.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AW_PACKAGES = ("aw-server==0.12.0", "flask<2.3", "peewee<4")
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "teamtreck-bench"
VENV_DIR = CACHE_DIR / "aw-venv"
START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class AwServer:
    port: int
    pid: int
    bucket_ids: list[str]

    def heartbeat_path(self, bucket_id: str, pulsetime_seconds: float) -> str:
        return f"/api/0/buckets/{bucket_id}/heartbeat?pulsetime={pulsetime_seconds:g}"


def venv_python() -> Path:
    """The venv's interpreter, creating the venv (once) if it is missing."""
    python = VENV_DIR / "bin" / "python"
    if python.exists():
        return python
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("building the aw-server venv needs uv; install it: pip install uv")
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(VENV_DIR)], check=True)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), *AW_PACKAGES], check=True)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolated_env(root: Path) -> dict[str, str]:
    """Environment variables that keep aw-server's database and config inside `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(root)
    for name in ("DATA", "CONFIG", "CACHE", "STATE"):
        folder = root / name.lower()
        folder.mkdir(exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(folder)
    return env


def post_json(port: int, path: str, payload: object) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"aw-server exited with code {process.returncode} while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/0/info", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"aw-server did not answer on port {port} within {START_TIMEOUT_SECONDS}s")


def create_buckets(port: int, count: int) -> list[str]:
    """One bucket per simulated device, as aw-watcher-window would create it."""
    ids = [f"aw-watcher-window_device{i:05d}" for i in range(count)]
    for bucket_id in ids:
        post_json(
            port,
            f"/api/0/buckets/{bucket_id}",
            {"client": "aw-watcher-window", "type": "currentwindow", "hostname": bucket_id},
        )
    return ids


@contextlib.contextmanager
def activitywatch_server(buckets: int = 1) -> Iterator[AwServer]:
    """A running aw-server (testing mode) on a free loopback port, with `buckets` empty buckets."""
    python = venv_python()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as root:
        command = [str(python), "-m", "aw_server", "--testing", "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=isolated_env(Path(root)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, process)
            yield AwServer(port, process.pid, create_buckets(port, buckets))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> None:
    with activitywatch_server(buckets=2) as server:
        event = {
            "timestamp": "2026-01-01T00:00:00+00:00",
            "duration": 0,
            "data": {"app": "x", "title": "y"},
        }
        status = post_json(server.port, server.heartbeat_path(server.bucket_ids[0], 60), event)
        print(f"aw-server {VENV_DIR} on port {server.port}: heartbeat answered HTTP {status}")


if __name__ == "__main__":
    main()
