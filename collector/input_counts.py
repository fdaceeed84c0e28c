"""How much the employee typed, clicked, scrolled and moved the mouse — never what.

A pynput keyboard and mouse listener feed plain counters. Key identities are looked at by nobody:
the keyboard callbacks ignore their argument, and a keystroke is counted on *release*, because X
autorepeat turns a held key into many presses but a single release (so a held key counts once).
pynput silently kills a listener whose callback raises, and a stopped listener cannot be started
again; so every callback swallows its own errors, and `ensure_running()` replaces dead listeners.
pynput is imported on `start()`, never at import time: it raises without a DISPLAY.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collector.errors import CollectorStopped

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InputCounts:
    """Input between two `take()` calls; the *_at fields are None when there was none."""

    keystrokes: int = 0
    clicks: int = 0
    scrolls: int = 0
    mouse_distance_px: int = 0
    first_input_at: datetime | None = None
    last_input_at: datetime | None = None

    @property
    def any_input(self) -> bool:
        return self.first_input_at is not None


class InputCountingError(CollectorStopped):
    """The input listeners could not start; the message says what the machine lacks."""


def _wait_ready(listener: Any, timeout_seconds: float) -> bool:
    """pynput's own `wait()` blocks forever when a listener dies before it is ready (no X
    connection, no RECORD extension); wait on its ready flag with a deadline instead."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if getattr(listener, "_ready", True):  # pynput 1.8 keeps readiness in `_ready`
            return True
        if not listener.is_alive():
            return False
        time.sleep(0.01)
    return False


class _Tally:
    """The mutable counters behind one `InputCounter`, guarded by its lock."""

    def __init__(self) -> None:
        self.keystrokes = 0
        self.clicks = 0
        self.scrolls = 0
        self.distance_px = 0.0
        self.first_at: float | None = None
        self.last_at: float | None = None


def _utc(epoch_seconds: float | None) -> datetime | None:
    return None if epoch_seconds is None else datetime.fromtimestamp(epoch_seconds, UTC)


def _counts(tally: _Tally, distance_px: int) -> InputCounts:
    return InputCounts(
        keystrokes=tally.keystrokes,
        clicks=tally.clicks,
        scrolls=tally.scrolls,
        mouse_distance_px=distance_px,
        first_input_at=_utc(tally.first_at),
        last_input_at=_utc(tally.last_at),
    )


class InputCounter:
    """Counts input from pynput listeners; `take()` hands over the counts and starts afresh."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # a seam: tests inject a failing clock to prove callbacks survive
        self._lock = threading.Lock()
        self._tally = _Tally()
        self._pointer: tuple[int, int] | None = None
        self._listeners: list[Any] = []
        self._wanted = False
        self.callback_errors = 0
        self.start_timeout_seconds = 10.0
        self._retry_at = 0.0  # monotonic; restarts that failed wait a minute

    @property
    def running(self) -> bool:
        """True while both listeners are alive."""
        return bool(self._listeners) and all(listener.is_alive() for listener in self._listeners)

    def start(self) -> None:
        """Start listening (again); returns once the listeners receive events."""
        from pynput import keyboard, mouse  # needs DISPLAY; see the module docstring

        self._stop_listeners()
        self._wanted = True
        self._pointer = None
        self._listeners = [
            keyboard.Listener(on_release=self._guard(self._on_key_release)),
            mouse.Listener(
                on_move=self._guard(self._on_move),
                on_click=self._guard(self._on_click),
                on_scroll=self._guard(self._on_scroll),
            ),
        ]
        for listener in self._listeners:
            listener.daemon = True
            listener.start()
        if not all(
            _wait_ready(listener, self.start_timeout_seconds) for listener in self._listeners
        ):
            self._stop_listeners()
            raise InputCountingError(
                "Keyboard and mouse input cannot be counted on this display (the X server needs "
                "the RECORD extension; macOS needs the Input Monitoring permission)."
            )
        log.info("input counting started")

    def stop(self) -> None:
        """Stop listening; counts not yet taken are kept for the next `take()`."""
        self._wanted = False
        self._stop_listeners()
        log.info("input counting stopped")

    def ensure_running(self) -> bool:
        """Restart the listeners if they died while wanted; True when a restart happened."""
        if not self._wanted or self.running or time.monotonic() < self._retry_at:
            return False
        log.warning("an input listener stopped unexpectedly; restarting it")
        try:
            self.start()
        except InputCountingError:
            log.error("input listeners could not be restarted; retrying in a minute")
            self._wanted, self._retry_at = True, time.monotonic() + 60
            return False
        return True

    def take(self) -> InputCounts:
        """Return the counts since the last call and reset them (the mouse position is kept)."""
        with self._lock:
            tally, self._tally = self._tally, _Tally()
            whole_px = math.floor(tally.distance_px)
            self._tally.distance_px = tally.distance_px - whole_px  # carry the fraction
        return _counts(tally, whole_px)

    def peek(self) -> InputCounts:
        """The counts so far, without resetting them (for a live view, and for tests)."""
        with self._lock:
            return _counts(self._tally, math.floor(self._tally.distance_px))

    def _stop_listeners(self) -> None:
        for listener in self._listeners:
            # stop() on a listener that never became ready waits for readiness forever (pynput
            # 1.8, xorg); such a listener is dead or stuck, and a daemon thread either way.
            if listener.is_alive() and getattr(listener, "_ready", True):
                listener.stop()
        for listener in self._listeners:
            # pynput's thread may only end on the next X event; it is a daemon, so don't wait long.
            listener.join(timeout=0.2)
        self._listeners = []

    def _guard(self, callback: Callable[..., None]) -> Callable[..., None]:
        # pynput passes an extra `injected` flag to callbacks that accept it; ours ignore it,
        # since injected input (remote desktop tools, xdotool) is input all the same.
        def guarded(*args: Any) -> None:
            try:
                callback(*args)
            except Exception as e:
                # The arguments may name a key: log only the error's type, never them.
                self.callback_errors += 1
                log.warning("an input callback failed (%s); counting goes on", type(e).__name__)

        return guarded

    def _touch(self, tally: _Tally) -> None:
        # Called after counting, so a failing clock costs a timestamp, never a count.
        now = self._clock()
        if tally.first_at is None:
            tally.first_at = now
        tally.last_at = now

    def _on_key_release(self, _key: object, *_injected: object) -> None:
        with self._lock:
            self._tally.keystrokes += 1
            self._touch(self._tally)

    def _on_click(
        self, _x: int, _y: int, _button: object, pressed: bool, *_injected: object
    ) -> None:
        if not pressed:
            return
        with self._lock:
            self._tally.clicks += 1
            self._touch(self._tally)

    def _on_scroll(self, _x: int, _y: int, dx: int, dy: int, *_injected: object) -> None:
        with self._lock:
            self._tally.scrolls += abs(dx) + abs(dy)
            self._touch(self._tally)

    def _on_move(self, x: int, y: int, *_injected: object) -> None:
        with self._lock:
            if self._pointer is not None:
                self._tally.distance_px += math.hypot(x - self._pointer[0], y - self._pointer[1])
            self._pointer = (x, y)
            self._touch(self._tally)
