"""A small local web page showing the employee today's record ("My activity today").

Served by `http.server` on 127.0.0.1 on a free port, under a random path token, so other users
of the machine (and web pages in a browser) cannot read it. Each item says whether it is still
waiting on this machine or already uploaded.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from collector.transparency import DaySummary, TransparencyRecord, summarize

log = logging.getLogger(__name__)

PendingIds = Callable[[], set[str]]


def format_duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def render_page(summary: DaySummary, pending: set[str], token: str) -> str:
    """The HTML of one day: figures, apps, sites, session events and screenshots."""
    e = html.escape
    waiting = sum(1 for s in summary.samples if s["batch_id"] in pending)
    rows = [
        f"<h1>What was recorded about you on {summary.day.isoformat()}</h1>",
        "<table id='figures'>",
        f"<tr><th>Time worked</th><td id='worked'>{format_duration(summary.worked_seconds)}</td>",
        f"<tr><th>Active</th><td id='active'>{format_duration(summary.active_seconds)}</td>",
        f"<tr><th>Idle</th><td id='idle'>{format_duration(summary.idle_seconds)}</td>",
        f"<tr><th>Keystrokes (counts only)</th><td>{summary.keystrokes}</td>",
        f"<tr><th>Clicks</th><td>{summary.clicks}</td>",
        f"<tr><th>Samples waiting to upload</th><td id='waiting'>{waiting}"
        f" of {len(summary.samples)}</td>",
        "</table><h2>Apps</h2><table id='apps'>",
        *(f"<tr><td>{e(app)}</td><td>{format_duration(s)}</td></tr>" for app, s in summary.apps),
        "</table><h2>Sites</h2><table id='sites'>",
        *(f"<tr><td>{e(d)}</td><td>{format_duration(s)}</td></tr>" for d, s in summary.domains),
        "</table><h2>Work session</h2><ul id='events'>",
        *(f"<li>{ts:%H:%M:%S} UTC {e(kind)}</li>" for ts, kind in summary.events),
        "</ul><h2>Screenshots</h2><div id='screenshots'>",
    ]
    for ts, capture_id, _batch in summary.screenshots:
        state = "waiting to upload" if capture_id in pending else "uploaded"
        rows.append(
            f"<figure><img src='/{token}/shot/{e(capture_id)}' width='240' alt='screenshot'>"
            f"<figcaption>{ts:%H:%M:%S} UTC — {state}</figcaption></figure>"
        )
    rows.append("</div>")
    body = "\n".join(rows)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>My activity today</title>"
        "<meta http-equiv='refresh' content='60'></head><body>" + body + "</body></html>"
    )


class TransparencyPage:
    """Serves today's record until stopped."""

    def __init__(
        self, record: TransparencyRecord, pending_ids: PendingIds = set, port: int = 0
    ) -> None:
        self.record = record
        self.pending_ids = pending_ids
        self.token = secrets.token_urlsafe(24)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{self.token}/"

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="transparency-page", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits forever for a loop that never ran
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def respond(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path."""
        parts = path.split("/", 2)  # "", token, rest
        if len(parts) < 3 or not secrets.compare_digest(parts[1], self.token):
            return 404, "text/plain", b"not found"
        rest = parts[2]
        today = datetime.now(UTC).date()
        if rest == "":
            summary = summarize(today, self.record.read_day(today))
            page = render_page(summary, self.pending_ids(), self.token)
            return 200, "text/html; charset=utf-8", page.encode()
        if rest.startswith("shot/"):
            image = self.record.thumbnail(today, rest.removeprefix("shot/"))
            if image is not None:
                return 200, "image/jpeg", image
        return 404, "text/plain", b"not found"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = page.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # request lines carry the secret token: keep them out of the logs

        return Handler


def today_summary(record: TransparencyRecord, day: date | None = None) -> DaySummary:
    day = day or datetime.now(UTC).date()
    return summarize(day, record.read_day(day))
