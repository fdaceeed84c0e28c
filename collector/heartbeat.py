"""The heartbeat: every 30 s tell the API how this device is, and obey what it answers.

Each beat reports the status and queue sizes, then handles the commands in order and
acknowledges each one only after it was carried out (a crash in between means it comes again):
`force_logout` ends work and wipes the tokens; `end_session` ends work without telling the API
again; `new_rules` fetches the rules and applies them at once. A beat also sends the work
session's outbox, renews the storage grant before it expires and records a sign of life.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collector.api_client import ApiClient, ApiError, ApiOffline, SignedOut
from collector.grant import GrantedStore
from collector.worksession import WorkSession

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 30.0


@dataclass
class BeatResult:
    """What one beat did (for the tray and for tests)."""

    reached: bool
    commands: list[str] = field(default_factory=list)
    error: str = ""


class Heartbeat:
    """One beat at a time, on its own thread."""

    def __init__(
        self,
        api: ApiClient,
        work: WorkSession,
        *,
        report: Callable[[], dict[str, Any]],
        apply_rules: Callable[[dict[str, Any]], None],
        on_signed_out: Callable[[str], None],
        grant: GrantedStore | None = None,
        interval_seconds: float = INTERVAL_SECONDS,
    ) -> None:
        self.api = api
        self.work = work
        self.report = report
        self.apply_rules = apply_rules
        self.on_signed_out = on_signed_out
        self.grant = grant
        self.interval_seconds = interval_seconds
        self.rules_version: int | None = None
        self.last: BeatResult | None = None
        self._lock = threading.Lock()

    def beat(self) -> BeatResult:
        """Send one heartbeat and carry out its commands."""
        with self._lock:
            self.work.mark_alive()
            try:
                result = self._beat()
            except SignedOut as e:
                self.on_signed_out(str(e))
                result = BeatResult(reached=True, error=str(e))
            except ApiOffline as e:
                result = BeatResult(reached=False, error=str(e))
            except ApiError as e:
                log.warning("heartbeat failed: %s", e)
                result = BeatResult(reached=True, error=str(e))
            self.last = result
            return result

    def _beat(self) -> BeatResult:
        body = {**self.report(), "rules_version": self.rules_version}
        answer = self.api.heartbeat(body)
        result = BeatResult(reached=True)
        if self.rules_version is None:  # rules of unknown age: fetch them rather than trust them
            self._obey({"id": 0, "kind": "new_rules", "payload": {}})
        for command in answer["commands"]:
            self._obey(command)
            result.commands.append(command["kind"])
            if command["kind"] == "force_logout":
                return result  # signed out: nothing more may be sent
        self.work.send_pending()
        if self.grant is not None:
            self.grant.renew_if_due()
        return result

    def _obey(self, command: dict[str, Any]) -> None:
        kind = command["kind"]
        log.info("obeying server command %s (%s)", kind, command["id"])
        if kind == "new_rules":
            rules = self.api.rules()
            self.apply_rules(rules)
            self.rules_version = int(rules["version"])
            return  # id 0: nothing to acknowledge
        if kind == "end_session":
            session_id = command["payload"].get("session_id")
            if self.work.current.state != "stopped" and session_id == self.work.current.session_id:
                self.work.end(by_server=True)
        elif kind == "force_logout":
            if self.work.current.state != "stopped":
                self.work.end()
            self.work.send_pending()
        self.api.ack(int(command["id"]))
        if kind == "force_logout":
            self.api.store.clear()
            self.on_signed_out("An admin signed this device out. Sign in again to record work.")

    def run(self, stop: threading.Event) -> None:
        """Beat every interval until `stop` is set."""
        while not stop.is_set():
            self.beat()
            stop.wait(self.interval_seconds)
