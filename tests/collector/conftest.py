"""Display fixtures for the collector's tests: a real X server, real windows, real input.

- `x_display` (session): Xvfb with one 3840x1080 screen split by `xrandr --setmonitor` into two
  1920x1080 monitors ("left" at x=0, "right" at x=1920), openbox as the EWMH window manager, and
  the RECORD extension that pynput listens through. It sets `DISPLAY` in `os.environ` for the whole
  session (import pynput only after requesting it) and clears Wayland variables.
- `titled_window` (function): a factory that opens an xterm with a given title (non-ASCII is fine),
  waits until it is mapped and focused, and returns a `TitledWindow` (`.rename()`, `.activate()`,
  `.close()`); every window is closed after the test.
- `xdotool` (function): an `XDoTool` that types, holds keys, clicks, scrolls and moves the pointer
  through the XTEST extension, which the X server and pynput see as real input.

Tests using them are marked `@pytest.mark.display`; without Xvfb on the machine they skip locally
and fail in CI (where `.ci/run` installs it). Gotchas: a stopped pynput listener's thread ends only
on its next X event, so call `xdotool.nudge()` after stopping one; a click on the bare desktop
takes the focus away (move the pointer over a window first); pynput counts on its own thread, so
wait for the counts (`InputCounter.peek()`) rather than sleeping a fixed time.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
SCREEN_SIZE = (3840, 1080)
MONITORS = {"left": (0, 0, 1920, 1080), "right": (1920, 0, 1920, 1080)}  # x, y, width, height
_TOOLS = ("Xvfb", "openbox", "xdotool", "xrandr", "xterm", "xprop")


@dataclass
class XDisplay:
    """A running X server: its DISPLAY name and the environment that points at it."""

    name: str
    env: dict[str, str] = field(default_factory=dict)


def _require_tools() -> None:
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        packages = "xvfb openbox xdotool x11-utils x11-xserver-utils xterm"
        message = f"missing {', '.join(missing)}: apt-get install {packages}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _start_xvfb(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    read_fd, write_fd = os.pipe()
    width, height = SCREEN_SIZE
    command = ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24"]
    command += ["-nolisten", "tcp", "-noreset", "+extension", "RECORD"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, pass_fds=(write_fd,), stderr=log)
    os.close(write_fd)
    number = _read_display_number(read_fd, timeout_seconds=20)
    if not number:
        server.kill()
        said = log_path.read_text(errors="replace")
        raise RuntimeError(f"Xvfb did not report a display number within 20 s: {said}")
    return server, f":{number}"


def _read_display_number(read_fd: int, timeout_seconds: float) -> str:
    """Read "N\n" from Xvfb. Xvfb writes the number and the newline apart and dies if the pipe
    is closed in between, so read up to the newline before closing."""
    received = b""
    deadline = time.monotonic() + timeout_seconds
    try:
        while not received.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_fd, 64) if ready else b""
            if not chunk:
                break
            received += chunk
    finally:
        os.close(read_fd)
    return received.decode().strip()


def _wait_for(predicate: Callable[[], bool], what: str, timeout_seconds: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout_seconds} s waiting for {what}")


def _window_manager_running(env: dict[str, str]) -> bool:
    result = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True
    )
    return "window id" in result.stdout


def _split_monitors(env: dict[str, str]) -> None:
    output = "screen"  # Xvfb's single RandR output
    for index, (name, (x, y, width, height)) in enumerate(MONITORS.items()):
        target = output if index == 0 else "none"
        geometry = f"{width}/{width * 254 // 960}x{height}/{height * 254 // 960}+{x}+{y}"
        command = ["xrandr", "--setmonitor", name, geometry, target]
        subprocess.run(command, env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def x_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XDisplay]:
    """Xvfb 3840x1080 as two 1920x1080 monitors, with openbox; DISPLAY is set for the session."""
    _require_tools()
    logs = tmp_path_factory.mktemp("x-display")
    server, name = _start_xvfb(logs / "xvfb.log")
    saved = {key: os.environ.get(key) for key in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    os.environ.pop("WAYLAND_DISPLAY", None)
    os.environ["XDG_SESSION_TYPE"] = "x11"
    os.environ["DISPLAY"] = name
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    with (logs / "openbox.log").open("wb") as log:
        manager = subprocess.Popen(
            ["openbox", "--sm-disable"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        try:
            _wait_for(lambda: _window_manager_running(env), "openbox to manage the screen")
        except RuntimeError as e:
            output = (logs / "openbox.log").read_text(errors="replace")
            detail = f"openbox exit code {manager.poll()}, Xvfb exit code {server.poll()}"
            raise RuntimeError(f"{e}; {detail}, openbox said: {output}") from e
        _split_monitors(env)
        yield XDisplay(name=name, env=env)
    finally:
        for process in (manager, server):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class XDoTool:
    """Real input through XTEST; every call returns once xdotool has sent it."""

    def __init__(self, display: XDisplay) -> None:
        self.env = display.env

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def type(self, text: str, delay_ms: int = 5) -> None:
        self.run("type", "--delay", str(delay_ms), text)

    def key(self, *keys: str) -> None:
        self.run("key", "--delay", "5", *keys)

    def hold_key(self, key: str, seconds: float) -> None:
        """Hold a key down long enough for X autorepeat to fire, then release it."""
        self.run("keydown", key)
        time.sleep(seconds)
        self.run("keyup", key)

    def click(self, button: int = 1, repeat: int = 1) -> None:
        self.run("click", "--repeat", str(repeat), "--delay", "5", str(button))

    def scroll(self, steps: int) -> None:
        """Positive steps scroll down (button 5), negative scroll up (button 4)."""
        self.click(5 if steps > 0 else 4, abs(steps))

    def move(self, x: int, y: int) -> None:
        """Move the pointer to (x, y); a no-op when it is there (`--sync` would wait forever)."""
        if self.pointer() != (x, y):
            self.run("mousemove", "--sync", str(x), str(y))

    def pointer(self) -> tuple[int, int]:
        fields = dict(item.split(":") for item in self.run("getmouselocation").split())
        return int(fields["x"]), int(fields["y"])

    def nudge(self) -> None:
        """Move the pointer a pixel and tap Shift: stopped pynput threads end on the next event."""
        x, y = self.pointer()
        self.move(x + 1 if x < 100 else x - 1, y)
        self.key("shift")


@pytest.fixture
def xdotool(x_display: XDisplay) -> XDoTool:
    """Send keys, clicks, scrolls and pointer moves to the test X server."""
    return XDoTool(x_display)


class TitledWindow:
    """An xterm on the test display whose title the test controls."""

    def __init__(self, display: XDisplay, title: str, geometry: str) -> None:
        self.env = display.env
        command = ["xterm", "-T", title, "-geometry", geometry, "-e", "sleep", "600"]
        self.process = subprocess.Popen(command, env=self.env, stderr=subprocess.DEVNULL)
        self.pid = self.process.pid
        self.window_id = self._find()
        if not title.isascii():
            # xterm sends a non-ASCII -T title as compound text under Xvfb's locales; set it as
            # UTF-8 the way toolkits do.
            self.rename(title)
        self.activate()

    def _find(self) -> str:
        found = ""

        def mapped() -> bool:
            nonlocal found
            result = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(self.pid)],
                env=self.env,
                capture_output=True,
                text=True,
            )
            found = result.stdout.split()[0] if result.stdout.split() else ""
            return bool(found)

        _wait_for(mapped, f"xterm {self.pid} to map its window")
        return found

    def activate(self) -> None:
        """Focus the window and wait until the window manager says it is the active one."""
        command = ["xdotool", "windowactivate", self.window_id]
        subprocess.run(command, env=self.env, capture_output=True, check=False)

        def active() -> bool:
            result = subprocess.run(
                ["xdotool", "getactivewindow"], env=self.env, capture_output=True, text=True
            )
            return result.stdout.strip() == self.window_id

        _wait_for(active, f"window {self.window_id} to become active", timeout_seconds=10)

    def rename(self, title: str) -> None:
        subprocess.run(
            ["xdotool", "set_window", "--name", title, self.window_id], env=self.env, check=True
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)


@pytest.fixture
def titled_window(x_display: XDisplay) -> Iterator[Callable[..., TitledWindow]]:
    """`titled_window("title", geometry="80x24+100+100")` opens, maps and focuses an xterm."""
    opened: list[TitledWindow] = []

    def open_window(title: str, geometry: str = "80x24+100+100") -> TitledWindow:
        window = TitledWindow(x_display, title, geometry)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        window.close()
