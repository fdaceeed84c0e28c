"""The employee's own record of today: encrypted on disk, summed right, shown on a local page."""

from __future__ import annotations

import io
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from collector.transparency import TransparencyRecord, load_device_key, summarize
from collector.transparency_page import TransparencyPage, format_duration

T0 = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)


def _sample(i: int, app: str, status: str = "active", domain: str | None = None) -> dict[str, Any]:
    return {
        "sample_id": f"s{i}",
        "batch_id": "b1" if i < 3 else "b2",
        "session_id": "sess",
        "ts": T0 + timedelta(seconds=10 * i),
        "duration_seconds": 10.0,
        "status": status,
        "idle_seconds": 10.0 if status == "idle" else 0.0,
        "app": app,
        "title": "Quarterly salaries.xlsx",
        "url": "https://intra.example.com/secret?q=1",
        "domain": domain,
        "keystrokes": 7,
        "clicks": 2,
        "scrolls": 1,
    }


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1920, 1080), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _filled(folder: Path) -> TransparencyRecord:
    record = TransparencyRecord(folder)
    rows = [
        _sample(0, "Firefox", domain="docs.python.org"),
        _sample(1, "Firefox", domain="docs.python.org"),
        _sample(2, "xterm"),
        _sample(3, "xterm", status="idle"),
        _sample(4, "Firefox", domain="github.com"),
    ]
    record.record_rows(
        "sessions", [{"event_id": "e1", "session_id": "sess", "ts": T0, "kind": "start"}]
    )
    record.record_rows("activity", rows)
    record.record_rows(
        "screenshots", [{"capture_id": "cap-1", "batch_id": "b1", "ts": T0, "blurred": False}]
    )
    record.record_image("cap-1", T0, _jpeg())
    return record


def test_record_is_encrypted_private_and_holds_no_titles(tmp_path: Path) -> None:
    record = _filled(tmp_path)
    raw = b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "device.key"
    )
    assert b"Firefox" not in raw
    assert b"docs.python.org" not in raw
    entries = record.read_day(T0.date())
    assert len(entries) == 7
    assert not any("title" in e or "url" in e for e in entries)
    assert stat.S_IMODE((tmp_path / "device.key").stat().st_mode) == 0o600
    assert load_device_key(tmp_path) == load_device_key(tmp_path)  # created once
    # Another device's key cannot read it.
    assert TransparencyRecord(tmp_path / "other").read_day(T0.date()) == []
    thumb = record.thumbnail(T0.date(), "cap-1")
    assert thumb is not None
    assert max(Image.open(io.BytesIO(thumb)).size) <= 480


def test_summary_adds_up_the_day(tmp_path: Path) -> None:
    summary = summarize(T0.date(), _filled(tmp_path).read_day(T0.date()))
    assert summary.worked_seconds == 50
    assert (summary.active_seconds, summary.idle_seconds) == (40, 10)
    assert summary.apps == [("Firefox", 30.0), ("xterm", 20.0)]
    assert summary.domains == [("docs.python.org", 20.0), ("github.com", 10.0)]
    assert summary.keystrokes == 35
    assert summary.events == [(T0, "start")]
    assert [c for _, c, _ in summary.screenshots] == ["cap-1"]
    assert format_duration(3 * 3600 + 5 * 60) == "3 h 05 min"


def test_prune_keeps_only_today(tmp_path: Path) -> None:
    record = _filled(tmp_path)
    record.record_rows("activity", [{**_sample(9, "old"), "ts": T0 - timedelta(days=2)}])
    assert record.prune(today=T0.date()) == 1
    assert record.read_day((T0 - timedelta(days=2)).date()) == []
    assert len(record.read_day(T0.date())) == 7


def test_page_shows_today_before_and_after_upload(tmp_path: Path) -> None:
    record = _filled(tmp_path)
    pending = {"b2", "cap-1"}
    page = TransparencyPage(record, pending_ids=lambda: set(pending))
    url = page.start()
    try:
        with httpx.Client() as client:
            body = client.get(url).text
            assert "Firefox" in body
            assert "docs.python.org" in body
            assert "Salaries" not in body
            assert "<td id='worked'>0 h 01 min</td>" in body
            assert "<td id='waiting'>2 of 5</td>" in body
            assert "waiting to upload" in body
            shot = client.get(url + "shot/cap-1")
            assert shot.status_code == 200
            assert shot.headers["content-type"] == "image/jpeg"
            pending.clear()  # the uploader caught up
            body = client.get(url).text
            assert "<td id='waiting'>0 of 5</td>" in body
            assert "uploaded" in body
            base = url.rsplit("/", 2)[0]
            assert client.get(base + "/").status_code == 404  # no token, no page
            assert client.get(base + "/guess/").status_code == 404
            assert client.get(url + "shot/..%2Fdevice.key").status_code == 404
    finally:
        page.stop()


def test_an_empty_day_renders(tmp_path: Path) -> None:
    page = TransparencyPage(TransparencyRecord(tmp_path))
    status, _, body = page.respond(f"/{page.token}/")
    assert status == 200
    assert b"0 h 00 min" in body
    page.stop()
