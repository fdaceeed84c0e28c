"""One agent per user, and a local channel through which the CLI talks to it.

The running agent holds an exclusive lock on `<runtime>/agent.lock` for its whole life (the OS
drops it when the process dies, so a crash never leaves a stale lock) and serves JSON lines on
a unix socket in the same 0700 folder. `teamtreck collector pause` etc. are clients of it.
Where AF_UNIX is missing (Windows' Python), the channel is TCP on 127.0.0.1 with a random token
kept in a 0600 file, so only this user can reach it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

import platformdirs

from collector.errors import CollectorError

log = logging.getLogger(__name__)

LOCK_FILE = "agent.lock"
SOCKET_FILE = "agent.sock"
TCP_FILE = "agent.tcp.json"
MAX_REQUEST_BYTES = 64 * 1024

Handler = Callable[[str, dict[str, Any]], dict[str, Any]]


class ControlError(CollectorError):
    """The local control channel failed."""


class AgentAlreadyRunning(ControlError):
    """Another agent of this user holds the lock."""


class AgentNotRunning(ControlError):
    """No agent answers on the control channel."""


def runtime_folder(folder: Path | None = None) -> Path:
    """This user's private runtime folder for the lock and the socket (created 0700)."""
    override = os.environ.get("TEAMTRECK_RUNTIME_DIR")
    if folder is None:
        folder = Path(override) if override else Path(platformdirs.user_runtime_dir("teamtreck"))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if sys.platform != "win32":
        os.chmod(folder, 0o700)
    return folder


class InstanceLock:
    """An exclusive, non-blocking lock held for the life of the agent."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        try:
            _lock_exclusive(handle)
        except OSError as e:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            handle.close()
            raise AgentAlreadyRunning(
                f"The collector is already running for this user (pid {pid}). "
                "Use 'teamtreck collector status' to talk to it."
            ) from e
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock_exclusive(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def use_unix_socket() -> bool:
    return hasattr(socket, "AF_UNIX")


class _Channel:
    """What the request handler needs from either kind of server."""

    daemon_threads = True
    handler: Handler
    token: str = ""


class _TcpServer(_Channel, socketserver.ThreadingTCPServer):
    pass


if hasattr(socketserver, "ThreadingUnixStreamServer"):

    class _UnixServer(_Channel, socketserver.ThreadingUnixStreamServer):
        pass


class _RequestHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        channel = cast(_Channel, self.server)
        line = self.rfile.readline(MAX_REQUEST_BYTES)
        try:
            request = json.loads(line)
            if channel.token and not secrets.compare_digest(
                str(request.get("token", "")), channel.token
            ):
                raise PermissionError("bad control token")
            result = channel.handler(str(request["command"]), dict(request.get("args", {})))
            reply: dict[str, Any] = {"ok": True, "result": result}
        except Exception as e:  # reply with the reason; the agent keeps running
            log.warning("control command failed: %s", type(e).__name__)
            reply = {"ok": False, "error": str(e) or type(e).__name__}
        self.wfile.write(json.dumps(reply).encode() + b"\n")


class ControlServer:
    """Serves the agent's commands on the local channel in a background thread."""

    def __init__(self, folder: Path, handler: Handler, *, unix: bool | None = None) -> None:
        self.folder = folder
        self.unix = use_unix_socket() if unix is None else unix
        self._server: socketserver.BaseServer | None = None
        self._thread: threading.Thread | None = None
        self._handler = handler

    def start(self) -> None:
        server = self._bind_unix() if self.unix else self._bind_tcp()
        cast(_Channel, server).handler = self._handler
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="control", daemon=True)
        self._thread.start()

    def _bind_unix(self) -> socketserver.BaseServer:
        path = self.folder / SOCKET_FILE
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket of a crashed agent; we hold the lock, so it is ours
        server = _UnixServer(str(path), _RequestHandler)
        os.chmod(path, 0o600)
        return server

    def _bind_tcp(self) -> _TcpServer:
        server = _TcpServer(("127.0.0.1", 0), _RequestHandler)
        server.token = secrets.token_urlsafe(24)
        port = server.server_address[1]
        path = self.folder / TCP_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"port": port, "token": server.token}, f)
        return server

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        for name in (SOCKET_FILE, TCP_FILE):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
        self._server = None


class ControlClient:
    """Sends one command to the running agent and returns its result."""

    def __init__(self, folder: Path, *, timeout_seconds: float = 10.0) -> None:
        self.folder = folder
        self.timeout_seconds = timeout_seconds

    def send(self, command: str, **args: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"command": command, "args": args}
        try:
            sock = self._connect(request)
        except (FileNotFoundError, ConnectionRefusedError) as e:
            raise AgentNotRunning(
                "The collector is not running. Start it with: teamtreck collector app"
            ) from e
        with sock, sock.makefile("rwb") as stream:
            stream.write(json.dumps(request).encode() + b"\n")
            stream.flush()
            line = stream.readline(MAX_REQUEST_BYTES)
        if not line:
            raise ControlError("The collector closed the connection without answering; retry.")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise ControlError(str(reply.get("error")))
        result: dict[str, Any] = reply.get("result") or {}
        return result

    def _connect(self, request: dict[str, Any]) -> socket.socket:
        sock_path = self.folder / SOCKET_FILE
        if use_unix_socket() and sock_path.exists():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout_seconds)
            try:
                sock.connect(str(sock_path))
            except OSError:
                sock.close()
                raise
            return sock
        tcp = json.loads((self.folder / TCP_FILE).read_text(encoding="utf-8"))
        request["token"] = tcp["token"]
        return socket.create_connection(("127.0.0.1", tcp["port"]), self.timeout_seconds)
