"""The employee's collector as one running program: sign-in, work sessions, heartbeat, the
record of today, the tray, and the control channel the CLI talks to.

    app = CollectorApp(settings, api_url="https://teamtreck.example.com")
    app.run()            # holds the one-per-user lock until Quit

Everything the tray menu does is a method here (`Controls`), and the same methods answer the
control channel, so `teamtreck collector pause` and the menu's Pause are the same code.
"""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from collector.agent import Clock
from collector.api_client import ApiClient, ApiError
from collector.config import CollectorSettings
from collector.control import ControlServer, InstanceLock, runtime_folder
from collector.credentials import TokenStore, open_token_store
from collector.errors import CollectorError
from collector.grant import GrantedStore
from collector.heartbeat import Heartbeat
from collector.identity import load_device_id
from collector.idle_notice import IdleNotice, Notifier, desktop_notifier
from collector.recorder import AgentRecorder, SourceMaker
from collector.rules import Rules
from collector.transparency import TransparencyRecord
from collector.transparency_page import TransparencyPage
from collector.tray import Snapshot, Tray, TrayState, tray_state
from collector.worksession import WorkSession, read_json, write_json
from lakehouse.layout import parse_landing_path

log = logging.getLogger(__name__)

COMPANY_FILE = "company.json"  # last known public key and rules, for starting work offline


class AppError(CollectorError):
    """An action the employee asked for cannot be done now (the message says why)."""


def agent_version() -> str:
    try:
        return metadata.version("teamtreck")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def desktop_source(ids: Any, batcher: Any, rules: Rules) -> Any:
    from collector.desktop_source import DesktopSource

    return DesktopSource(ids, batcher.image_path, rules, agent_version())


class CollectorApp:
    """Composes the collector's parts; implements the tray's `Controls`."""

    def __init__(
        self,
        settings: CollectorSettings,
        api_url: str,
        *,
        make_source: SourceMaker = desktop_source,
        clock: Clock | None = None,
        heartbeat_seconds: float = 30.0,
        notify: Notifier = desktop_notifier,
        store: TokenStore | None = None,
        runtime: Path | None = None,
        open_url: Callable[[str], object] = webbrowser.open,
    ) -> None:
        self.settings = settings
        self.open_url = open_url
        self.folder = settings.spool_dir
        self.runtime = runtime
        self.store = store or open_token_store(self.folder / "credentials")
        tokens = self.store.load()
        self.api = ApiClient(tokens.api_url if tokens else api_url, self.store)
        self.device_id = settings.device_id or load_device_id(self.folder)
        self.grant = GrantedStore(self.api)
        self.record = TransparencyRecord(self.folder / "transparency")
        self.idle = IdleNotice(notify, on_mark=lambda kind, at: self.work.mark_idle(kind, at))
        self.company = read_json(self.folder / COMPANY_FILE, {})
        self.recorder = AgentRecorder(
            self._settings_for,
            make_source,
            Rules.model_validate(self.company.get("rules", {})),
            destination=self.grant,
            clock=clock,
            row_listeners=(self._show_row, self.idle),
            on_shot=self._show_shot,
        )
        self.work = WorkSession(self.folder / "work", self.api, self.recorder)
        self.heartbeat = Heartbeat(
            self.api,
            self.work,
            report=self._report,
            apply_rules=self.apply_rules,
            on_signed_out=self._signed_out,
            grant=self.grant,
            interval_seconds=heartbeat_seconds,
        )
        self.page: TransparencyPage | None = None
        self.tray: Tray | None = None
        self.quitting = threading.Event()
        self.message = ""
        self.current_app: str | None = None

    # -- sign-in -------------------------------------------------------------------------------

    def sign_in_with(self, email: str, password: str) -> str:
        """Sign this device in; returns the user id."""
        answer = self.api.login(email, password, self.device_id, agent_version())
        self.company = {"public_key": answer["company"]["public_key"], "rules": {}}
        self.apply_rules(answer["rules"])
        self.message = ""
        self._renew_grant_if_due()
        self.work.send_pending()
        return str(answer["user"]["id"])

    def sign_in(self) -> None:
        """The tray's Sign in: ask in a dialog, then sign in."""
        from collector.login_dialog import ask_credentials

        typed = ask_credentials(self.api.base_url)
        if typed is not None:
            self.sign_in_with(typed.email, typed.password)

    def sign_out(self) -> None:
        if self.work.current.state != "stopped":
            self.work.end()
        self.api.logout()

    def _signed_out(self, reason: str) -> None:
        self.message = reason
        if self.work.current.state != "stopped":
            self.work.end()

    # -- work ----------------------------------------------------------------------------------

    def start_work(self) -> None:
        if self.api.signed_in() is None:
            raise AppError("Sign in first: teamtreck collector login")
        self._renew_grant_if_due()
        if not self.company.get("public_key"):
            raise AppError("This device has no company key yet; connect to the server once.")
        self.work.start()

    def pause_work(self) -> None:
        self.work.pause()

    def resume_work(self) -> None:
        self.work.resume()

    def end_work(self) -> None:
        self.work.end()

    def apply_rules(self, rules_public: dict[str, Any]) -> None:
        """New company rules: kept for offline starts and applied to the recording at once."""
        self.company["rules"] = rules_public["rules"]
        self.heartbeat.rules_version = int(rules_public["version"])
        write_json(self.folder / COMPANY_FILE, self.company)
        self.recorder.apply_rules(Rules.model_validate(rules_public["rules"]))

    def _renew_grant_if_due(self) -> None:
        """Best effort: offline, the spool keeps everything until a later heartbeat renews."""
        if not self.grant.due():
            return
        try:
            grant = self.grant.renew()
        except ApiError as e:
            log.warning("no storage grant yet (%s); uploads wait for it", type(e).__name__)
            return
        self.company["public_key"] = grant["public_key"]
        write_json(self.folder / COMPANY_FILE, self.company)

    def _settings_for(self, session_id: str) -> CollectorSettings:
        tokens = self.api.signed_in()
        if tokens is None:
            raise AppError("Signed out; sign in again to record work.")
        update = {
            "company_id": tokens.company_id,
            "user_id": tokens.user_id,
            "device_id": self.device_id,
            "session_id": session_id,
            "public_key": self.company["public_key"],
        }
        return self.settings.model_copy(update=update)

    # -- what the employee sees ----------------------------------------------------------------

    def _show_row(self, table: str, row: Any) -> None:
        # Called on the agent's thread right after the row joined the batch being filled, so
        # that batch's id says where the row is (waiting until that batch is uploaded).
        if table == "activity":
            self.current_app = row.get("app")
        agent = self.recorder.agent
        batch_id = agent.batcher.batch_id if agent and agent.batcher.row_count else ""
        self.record.record_rows(table, [{**row, "batch_id": row.get("batch_id", batch_id)}])

    def _show_shot(self, object_path: str, image: bytes) -> None:
        capture_id = parse_landing_path(object_path).object_id
        self.record.record_image(capture_id, datetime.now(UTC), image)

    def show_activity(self) -> None:
        self.open_url(self.activity_url())

    def activity_url(self) -> str:
        if self.page is None:
            self.page = TransparencyPage(self.record, pending_ids=self.recorder.pending_ids)
            self.page.start()
        return self.page.url

    def snapshot(self) -> Snapshot:
        status = self.recorder.status() if self.recorder.agent is not None else None
        waiting = status.spool.pending_count if status else self.recorder.waiting_between_sessions()
        worked = self.work.worked_seconds()
        return Snapshot(self._state(), worked, waiting, self.message or self.recorder.failure)

    def _state(self) -> TrayState:
        return tray_state(
            signed_in=self.api.signed_in() is not None,
            online=self.api.online,
            message=self.message or self.recorder.failure,
            work=self.work.current.state,
            idle=self.idle.idle,
        )

    def _report(self) -> dict[str, Any]:
        state = self.work.current.state
        status: str = state
        if state == "working" and self.idle.idle:
            status = "idle"
        agent = self.recorder.status()
        queues = {"outbox": len(self.work.outbox)}
        if agent is not None:
            queues["spool"] = agent.spool.pending_count
        return {
            "status": status,
            # The redacted app of the last sample (the server keeps it only where rules allow).
            "current_app": (self.current_app or "")[:200] or None if status == "working" else None,
            "session_id": self.work.current.session_id or None,
            "queue_sizes": queues,
            "agent_version": agent_version(),
        }

    def status(self) -> dict[str, Any]:
        snapshot = self.snapshot()
        tokens = self.api.signed_in()
        return {
            "state": snapshot.state.value,
            "session_id": self.work.current.session_id,
            "worked_seconds": round(snapshot.worked_seconds),
            "uploads_waiting": snapshot.uploads_waiting,
            "events_waiting": len(self.work.outbox),
            "user_id": tokens.user_id if tokens else None,
            "message": snapshot.message,
        }

    # -- running -------------------------------------------------------------------------------

    def handle(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one command from the control channel."""
        actions: dict[str, Callable[[], None]] = {
            "start": self.start_work,
            "pause": self.pause_work,
            "resume": self.resume_work,
            "end": self.end_work,
            "quit": self.quit,
            "status": lambda: None,
        }
        if command == "activity":
            return {"url": self.activity_url()}
        if command == "login":
            self.sign_in_with(str(args["email"]), str(args["password"]))
        elif command in actions:
            actions[command]()
        else:
            raise AppError(f"Unknown command {command!r}; see teamtreck collector --help")
        return self.status()

    def quit(self) -> None:
        self.quitting.set()

    def run(self, *, tray: bool = True) -> None:
        """Run until Quit: holds the lock, serves the channel, beats, shows the tray."""
        folder = runtime_folder(self.runtime)
        with InstanceLock(folder):
            control = ControlServer(folder, self.handle)
            control.start()
            beating = threading.Thread(target=self.heartbeat.run, args=(self.quitting,))
            try:
                self.record.prune()
                self.work.recover()
                beating.start()
                self._show_tray(tray)
            finally:
                self.quitting.set()
                self._shut_down(control, beating)

    def _show_tray(self, wanted: bool) -> None:
        self.tray = Tray.create(self) if wanted else None
        if self.tray is not None:
            self.tray.show()
        pruned_on = datetime.now(UTC).date()
        while not self.quitting.wait(1.0):
            if self.tray is not None:
                self.tray.update()
            if datetime.now(UTC).date() != pruned_on:  # the record keeps today only
                pruned_on = datetime.now(UTC).date()
                self.record.prune()

    def _shut_down(self, control: ControlServer, beating: threading.Thread) -> None:
        if self.work.current.state != "stopped":
            self.work.end()  # quitting ends the session: it must not stay open on the server
        control.stop()
        if beating.is_alive():
            beating.join(timeout=10)
        if self.page is not None:
            self.page.stop()
        self.recorder.close()
        if self.tray is not None:
            self.tray.stop()
        self.api.close()
