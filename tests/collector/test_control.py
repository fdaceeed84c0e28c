"""One agent per user; the CLI reaches the running agent over the local channel."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from collector.control import (
    AgentAlreadyRunning,
    AgentNotRunning,
    ControlClient,
    ControlError,
    ControlServer,
    InstanceLock,
    runtime_folder,
)


def _echo(command: str, args: dict[str, Any]) -> dict[str, Any]:
    if command == "boom":
        raise RuntimeError("Work is already running since 09:00.")
    return {"command": command, **args}


def test_second_instance_refuses_to_start(tmp_path: Path) -> None:
    with InstanceLock(tmp_path), pytest.raises(AgentAlreadyRunning, match=f"pid {os.getpid()}"):
        InstanceLock(tmp_path).acquire()
    with InstanceLock(tmp_path):  # released on exit: a new agent may start
        pass


def test_lock_held_by_another_process_and_dropped_when_it_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from collector.control import InstanceLock; l = InstanceLock(Path(sys.argv[1])); "
            "l.acquire(); print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AgentAlreadyRunning, match=f"pid {holder.pid}"):
            InstanceLock(tmp_path).acquire()
    finally:
        holder.kill()  # a crash: the OS drops the lock, no stale lock remains
        holder.wait()
    with InstanceLock(tmp_path):
        pass


@pytest.mark.parametrize("unix", [True, False], ids=["unix-socket", "tcp-token"])
def test_commands_reach_the_agent(tmp_path: Path, unix: bool) -> None:
    server = ControlServer(tmp_path, _echo, unix=unix)
    server.start()
    try:
        client = ControlClient(tmp_path)
        assert client.send("pause", reason="lunch") == {"command": "pause", "reason": "lunch"}
        with pytest.raises(ControlError, match="already running since"):
            client.send("boom")
        assert client.send("status") == {"command": "status"}  # still serving after an error
        for entry in tmp_path.iterdir():
            assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0, entry.name
    finally:
        server.stop()
    with pytest.raises(AgentNotRunning, match="teamtreck collector app"):
        ControlClient(tmp_path).send("status")


def test_tcp_channel_rejects_a_wrong_token(tmp_path: Path) -> None:
    import json
    import socket

    server = ControlServer(tmp_path, _echo, unix=False)
    server.start()
    try:
        port = json.loads((tmp_path / "agent.tcp.json").read_text())["port"]
        with socket.create_connection(("127.0.0.1", port), 5) as sock:
            sock.sendall(b'{"command": "status", "token": "guess"}\n')
            reply = json.loads(sock.makefile().readline())
        assert reply == {"ok": False, "error": "bad control token"}
    finally:
        server.stop()


def test_stale_socket_of_a_crashed_agent_is_replaced(tmp_path: Path) -> None:
    import socket

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "agent.sock"))
    stale.close()  # the file stays, nobody listens
    with pytest.raises(AgentNotRunning):
        ControlClient(tmp_path).send("status")
    server = ControlServer(tmp_path, _echo)
    server.start()
    try:
        assert ControlClient(tmp_path).send("status") == {"command": "status"}
    finally:
        server.stop()


def test_runtime_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMTRECK_RUNTIME_DIR", str(tmp_path / "run"))
    folder = runtime_folder()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
