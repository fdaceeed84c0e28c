"""Coming back after an idle stretch: one notice saying how long, and both marks forwarded."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from collector.idle_notice import IdleNotice, away_message
from collector.logfile import setup_logging

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_returning_after_idle_says_how_long() -> None:
    shown: list[tuple[str, str]] = []
    marks: list[tuple[str, dt.datetime]] = []
    notice = IdleNotice(
        lambda title, text: shown.append((title, text)), on_mark=lambda k, at: marks.append((k, at))
    )
    notice("activity", {"kind": "whatever"})
    notice("sessions", {"kind": "pause", "ts": T0})
    assert shown == []
    assert marks == []
    notice("sessions", {"kind": "idle_start", "ts": T0})
    assert notice.idle
    notice("sessions", {"kind": "idle_end", "ts": T0 + dt.timedelta(minutes=12, seconds=20)})
    assert not notice.idle
    assert shown == [("Welcome back", "You were away for 12 min. That time is recorded as idle.")]
    assert [k for k, _ in marks] == ["idle_start", "idle_end"]


def test_away_message_reads_well() -> None:
    assert away_message(20).startswith("You were away for 1 min")
    assert away_message(3 * 3600 + 5 * 60).startswith("You were away for 3 h 05 min")


def test_log_file_is_private_rotating_and_hides_tokens(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs")
    log = logging.getLogger("collector.test")
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"
    log.warning("refresh failed with Authorization: Bearer %s", token)
    log.warning("raw token %s in a message", token)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert token not in text
    assert "Bearer [hidden]" in text
    assert path.stat().st_mode & 0o077 == 0
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "baseFilename", "") == str(path):
            logging.getLogger().removeHandler(handler)
            handler.close()
