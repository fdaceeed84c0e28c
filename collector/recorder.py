"""Runs the agent's pipeline for one work session at a time, on its own thread.

This is the `Recorder` the work session drives: start builds a fresh agent for the session id
(`collector.agent.assemble`), pause/resume pass through, stop ends the loop and closes the
agent (which flushes, spools and drains). New rules go to the running source at once and to
every later session. Rows the agent accepted, and the screenshots it sealed, are shown to
listeners (the transparency record, idle notices).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from collector.agent import Agent, AgentStatus, Clock, RowListener, assemble
from collector.batching import Batcher
from collector.config import CollectorSettings
from collector.rules import Rules
from collector.source import Observed, Source
from collector.uploader import Destination, Uploader

log = logging.getLogger(__name__)

SourceMaker = Callable[[Mapping[str, str], Batcher, Rules], Source]
ShotListener = Callable[[str, bytes], None]  # (object path, encoded image)


class ShowingSource:
    """Passes the inner source through, showing each screenshot to a listener first."""

    def __init__(self, inner: Source, on_shot: ShotListener) -> None:
        self.inner = inner
        self.on_shot = on_shot

    def tick(self, now: dt.datetime) -> Observed:
        return self._show(self.inner.tick(now))

    def flush(self, now: dt.datetime) -> Observed:
        return self._show(self.inner.flush(now))

    def close(self) -> None:
        self.inner.close()

    def apply_rules(self, rules: Rules) -> None:
        apply = getattr(self.inner, "apply_rules", None)
        if apply is not None:
            apply(rules)

    def _show(self, observed: Observed) -> Observed:
        for shot in observed.shots:
            try:
                self.on_shot(shot.object_path, shot.image)
            except Exception:  # showing must never cost the recording
                log.exception("a screenshot listener failed")
        return observed


class AgentRecorder:
    """One agent per session; `settings_for(session_id)` says who and where."""

    def __init__(
        self,
        settings_for: Callable[[str], CollectorSettings],
        make_source: SourceMaker,
        rules: Rules,
        *,
        destination: Destination | None = None,
        clock: Clock | None = None,
        row_listeners: tuple[RowListener, ...] = (),
        on_shot: ShotListener | None = None,
    ) -> None:
        self.settings_for = settings_for
        self.make_source = make_source
        self.rules = rules
        self.destination = destination
        self.clock = clock
        self.row_listeners = row_listeners
        self.on_shot = on_shot
        self.agent: Agent | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_status: AgentStatus | None = None
        self.failure = ""  # why the running agent stopped on its own, shown in the tray
        self._between: Uploader | None = None

    def _source(self, ids: Mapping[str, str], batcher: Batcher) -> Source:
        source = self.make_source(ids, batcher, self.rules)
        return ShowingSource(source, self.on_shot) if self.on_shot else source

    def start(self, session_id: str) -> None:
        self.failure = ""
        self._stop_between_sessions()  # the new agent's uploader takes the spool over
        settings = self.settings_for(session_id)
        agent = assemble(settings, self._source, clock=self.clock, destination=self.destination)
        agent.listeners.extend(self.row_listeners)
        agent.start()
        self.agent = agent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(agent,), name="agent", daemon=True)
        self._thread.start()

    def _run(self, agent: Agent) -> None:
        try:
            agent.run(self._stop)
        except Exception as e:
            self.failure = f"Recording stopped: {e}"
            log.exception("the recording stopped; end work and start again, or see the log")

    def pause(self) -> None:
        if self.agent is not None:
            self.agent.pause()

    def resume(self) -> None:
        if self.agent is not None:
            self.agent.resume()

    def stop(self, end_kind: str = "end") -> None:
        agent, thread = self.agent, self._thread
        if agent is None:
            return
        self._stop.set()
        if thread is not None:
            thread.join(timeout=30)
        agent.close(end_kind=end_kind)
        self.last_status = agent.status()
        self.agent = None
        if self.last_status.spool.pending_count:
            self._upload_between_sessions(agent)

    def _upload_between_sessions(self, agent: Agent) -> None:
        """Keep sending what is still spooled after work ended (e.g. the store was down)."""
        uploader = agent.uploader
        self._between = Uploader(
            agent.batcher.spool,
            uploader.destination,
            workers=uploader.workers,
            backoff=uploader.backoff,
            max_failures=uploader.max_failures,
            rescan_seconds=uploader.rescan_seconds,
        )
        self._between.start()
        log.info(
            "uploading %d spooled objects between sessions",
            self.last_status.spool.pending_count if self.last_status else 0,
        )

    def _stop_between_sessions(self) -> None:
        if self._between is not None:
            self._between.stop()
            self._between = None

    def close(self) -> None:
        """Stop everything this recorder runs (quitting the app)."""
        self.stop()
        self._stop_between_sessions()

    def waiting_between_sessions(self) -> int:
        between = self._between
        return between.spool.stats().pending_count if between is not None else 0

    def apply_rules(self, rules: Rules) -> None:
        """Use new rules now (the running source) and for every later session."""
        self.rules = rules
        agent = self.agent
        if agent is not None:
            apply: Any = getattr(agent.source, "apply_rules", None)
            if apply is not None:
                apply(rules)

    def status(self) -> AgentStatus | None:
        agent = self.agent
        return agent.status() if agent is not None else self.last_status

    def pending_ids(self) -> set[str]:
        """Object ids not uploaded yet: the spool's, the batch being filled and those being
        written."""
        agent, between = self.agent, self._between
        if agent is not None:
            return agent.batcher.spool.object_ids() | agent.batcher.pending_ids()
        return between.spool.object_ids() if between is not None else set()
