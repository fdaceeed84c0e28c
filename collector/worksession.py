"""The employee's work session: start, pause, resume, end — on the device first, then the API.

Every change gets a client id and the device's timestamp and goes into a small outbox on disk
before the API hears of it, so recording never waits for the network. The outbox is sent in
order whenever the API is reachable (at once, then on every heartbeat); the API treats a
replayed id as already done, so an outage in the middle of a send never makes a duplicate.
The local state (`state.json`) survives a crash: the next start closes the orphaned session at
the last moment the agent was known alive.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from collector.api_client import ApiClient, ApiOffline, ApiRejected, SignedOut
from collector.errors import CollectorError

log = logging.getLogger(__name__)

State = Literal["stopped", "working", "paused"]
OUTBOX_FILE = "outbox.json"
STATE_FILE = "state.json"


class WorkSessionError(CollectorError):
    """A work-session action does not fit the current state."""


class Recorder(Protocol):
    """What records activity during a session (the agent's pipeline)."""

    def start(self, session_id: str) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self, end_kind: str = "end") -> None: ...


@dataclass
class SessionState:
    state: State = "stopped"
    session_id: str = ""
    started_at: str = ""
    paused_since: str = ""
    paused_seconds: float = 0.0
    last_alive_at: str = ""


@dataclass
class PendingEvent:
    session_id: str
    kind: str
    event_id: str
    ts: str
    extra: dict[str, Any] = field(default_factory=dict)


def new_id() -> str:
    import uuid

    return uuid.uuid4().hex


class WorkSession:
    """The session's state machine, its outbox and the recorder it drives."""

    def __init__(
        self,
        folder: Path,
        api: ApiClient,
        recorder: Recorder,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.folder = folder
        self.api = api
        self.recorder = recorder
        self.clock = clock
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()  # one sender at a time keeps the order
        self._marks: deque[tuple[str, datetime]] = deque()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.current = SessionState(**read_json(folder / STATE_FILE, {}))
        self.outbox = [PendingEvent(**e) for e in read_json(folder / OUTBOX_FILE, [])]

    # -- what the employee does ----------------------------------------------------------------

    def start(self) -> str:
        with self._lock:
            if self.current.state != "stopped":
                raise WorkSessionError(f"Work is already running since {self._since()}.")
            now = self.clock()
            session_id = new_id()
            self.recorder.start(session_id)  # first: a recorder that cannot start leaves no session
            self.current = SessionState("working", session_id, now.isoformat())
            self._event("start", now)
        self.send_pending()
        return session_id

    def pause(self) -> None:
        with self._lock:
            if self.current.state != "working":
                raise WorkSessionError("Nothing to pause: work is not running.")
            now = self.clock()
            self.recorder.pause()
            self._take_marks()
            self.current.state = "paused"
            self.current.paused_since = now.isoformat()
            self._event("pause", now)
        self.send_pending()

    def resume(self) -> None:
        with self._lock:
            if self.current.state != "paused":
                raise WorkSessionError("Nothing to resume: work is not paused.")
            now = self.clock()
            self.recorder.resume()
            self._take_marks()
            paused_at = datetime.fromisoformat(self.current.paused_since)
            self.current.paused_seconds += (now - paused_at).total_seconds()
            self.current.state = "working"
            self.current.paused_since = ""
            self._event("resume", now)
        self.send_pending()

    def end(self, *, by_server: bool = False) -> None:
        """End work; `by_server` when an admin already ended it (nothing to tell the API)."""
        with self._lock:
            if self.current.state == "stopped":
                raise WorkSessionError("Nothing to end: work is not running.")
            now = self.clock()
            try:
                # The lake keeps an admin's end apart from the employee's own.
                self.recorder.stop(end_kind="force_end" if by_server else "end")
            except Exception:  # the end is recorded whatever went wrong while closing
                log.exception("the recording did not close cleanly")
            self._take_marks()
            if not by_server:
                self._event("end", now, summary={"worked_seconds": round(self.worked_seconds())})
            self.current = SessionState()
            self._save_state()
        self.send_pending()

    def mark_idle(self, kind: str, at: datetime) -> None:
        """Idle start/end seen by the sampler, told to the API as session events.

        Called on the agent's thread while it holds its own lock, so it must not wait for
        ours (a pause holds ours and waits for the agent's): the mark is queued and moved to
        the outbox by the next action or heartbeat.
        """
        self._marks.append((kind, at))

    def _take_marks(self) -> None:
        with self._lock:
            while self._marks:
                kind, at = self._marks.popleft()
                if self.current.state != "stopped":
                    self._event(kind, at)

    def mark_alive(self) -> None:
        with self._lock:
            if self.current.state != "stopped":
                self.current.last_alive_at = self.clock().isoformat()
                self._save_state()

    def recover(self) -> None:
        """After a crash, close the session that was open at the last moment it was alive."""
        with self._lock:
            if self.current.state == "stopped":
                return
            last = self.current.last_alive_at or self.current.started_at
            log.warning("closing session %s left open by an earlier run", self.current.session_id)
            self._event("end", datetime.fromisoformat(last), summary={"recovered": True})
            self.current = SessionState()
            self._save_state()

    # -- figures -------------------------------------------------------------------------------

    def worked_seconds(self) -> float:
        with self._lock:
            if self.current.state == "stopped":
                return 0.0
            now = self.clock()
            total = (now - datetime.fromisoformat(self.current.started_at)).total_seconds()
            paused = self.current.paused_seconds
            if self.current.paused_since:
                paused += (now - datetime.fromisoformat(self.current.paused_since)).total_seconds()
            return max(0.0, total - paused)

    def _since(self) -> str:
        return datetime.fromisoformat(self.current.started_at).strftime("%H:%M UTC")

    # -- the outbox ----------------------------------------------------------------------------

    def send_pending(self) -> int:
        """Send waiting events in order; stop at the first that can't go. Returns how many went."""
        self._take_marks()
        with self._send_lock:
            return self._send_in_order()

    def _send_in_order(self) -> int:
        sent = 0
        while True:
            with self._lock:
                if not self.outbox:
                    return sent
                event = self.outbox[0]
            try:
                self._send(event)
            except (ApiOffline, SignedOut):
                return sent  # kept in order until the API is back or the user signs in again
            except ApiRejected as e:
                # The server's state wins (e.g. an admin ended the session while we were
                # offline): retrying can never succeed, so the event is dropped, not looped on.
                log.warning("the API refused session event %s (%s); dropped", event.kind, e.code)
            with self._lock:
                if self.outbox and self.outbox[0].event_id == event.event_id:
                    self.outbox.pop(0)
                    self._save_outbox()
            sent += 1

    def _send(self, event: PendingEvent) -> None:
        at = datetime.fromisoformat(event.ts)
        if event.kind != "start":
            self.api.change_session(event.session_id, event.kind, event.event_id, at, **event.extra)
            return
        try:
            self.api.start_session(event.session_id, event.event_id, at)
        except ApiRejected as e:
            if e.code != "session_open":
                raise
            self._end_stale_session(at)
            self.api.start_session(event.session_id, event.event_id, at)

    def _end_stale_session(self, at: datetime) -> None:
        """The server still has an older session open (a crash before its end was journaled)."""
        stale = self.api.current_session()
        if stale is None:
            return
        log.warning("ending stale session %s before starting the new one", stale["id"])
        self.api.change_session(stale["id"], "end", new_id(), at, summary={"stale": True})

    def _event(self, kind: str, at: datetime, **extra: Any) -> None:
        event = PendingEvent(self.current.session_id, kind, new_id(), at.isoformat(), extra)
        self.outbox.append(event)
        self._save_outbox()
        self._save_state()

    def _save_outbox(self) -> None:
        write_json(self.folder / OUTBOX_FILE, [asdict(e) for e in self.outbox])

    def _save_state(self) -> None:
        write_json(self.folder / STATE_FILE, asdict(self.current))


def read_json(path: Path, default: Any) -> Any:
    """A small JSON state file, or `default` when it is missing or damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except ValueError:
        log.error("%s is damaged; starting from an empty one", path.name)
        return default


def write_json(path: Path, data: Any) -> None:
    """Replace a small JSON state file atomically (0600: mkstemp's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)
