"""The spool keeps encrypted objects safe on disk until the lake has them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from collector.errors import SpoolCorruptError, SpoolError
from collector.identity import load_device_id
from collector.journal import Journal
from collector.spool import Spool

ACTIVITY = "landing/activity/company=acme/user=alice/date=2026-11-26/{}.parquet"
IMAGE = "landing/images/company=acme/user=alice/date=2026-11-26/{}.jpeg.sealed"
MB = 1024 * 1024


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_put_then_read_returns_the_same_object_and_survives_a_restart(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    spool.put(ACTIVITY.format("b1"), b"encrypted batch one")
    spool.put(IMAGE.format("c1"), b"sealed image one")

    reopened = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    objects = [reopened.read(entry) for entry in reopened.pending()]
    assert objects == [
        (ACTIVITY.format("b1"), b"encrypted batch one"),
        (IMAGE.format("c1"), b"sealed image one"),
    ]


def test_spool_files_are_private_to_the_user(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    entry = spool.put(ACTIVITY.format("b1"), b"x")
    assert entry is not None
    assert _mode(tmp_path / "spool") == 0o700
    assert _mode(spool.outbox) == 0o700
    assert _mode(entry.file) == 0o600


def test_a_loose_existing_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    Spool(folder, budget_bytes=10 * MB)
    assert _mode(folder) == 0o700


def test_half_written_files_from_a_crash_are_discarded(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    (spool.tmp / "something.tmp").write_bytes(b"half an obj")
    reopened = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    assert list(reopened.tmp.iterdir()) == []
    assert reopened.pending() == []


def test_a_corrupt_file_is_quarantined_and_the_rest_still_reads(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    spool.put(ACTIVITY.format("b1"), b"first")
    damaged = spool.put(ACTIVITY.format("b2"), b"second")
    spool.put(ACTIVITY.format("b3"), b"third")
    assert damaged is not None
    content = bytearray(damaged.file.read_bytes())
    content[-1] ^= 0xFF
    damaged.file.write_bytes(bytes(content))

    readable, damaged_names = [], []
    for entry in spool.pending():
        try:
            readable.append(spool.read(entry)[1])
        except SpoolCorruptError as e:
            damaged_names.append(e.path.name)
    assert readable == [b"first", b"third"]
    assert damaged_names == [damaged.file.name]
    assert spool.stats().quarantined_count == 1
    assert spool.stats().pending_count == 2
    reason = (spool.quarantine_dir / (damaged.file.name + ".reason")).read_text()
    assert "checksum" in reason


def test_full_budget_drops_oldest_screenshots_and_keeps_activity(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=1 * MB)
    image = os.urandom(200 * 1024)
    for n in range(4):
        spool.put(IMAGE.format(f"old{n}"), image)
    spool.put(ACTIVITY.format("b1"), os.urandom(300 * 1024))
    spool.put(ACTIVITY.format("b2"), os.urandom(300 * 1024))

    kept = {entry.object_id for entry in spool.pending()}
    assert {"b1", "b2"} <= kept
    assert not {"old0", "old1"} & kept  # the oldest went first
    assert "old3" in kept
    assert spool.stats().screenshots_dropped == 2
    # The count is reported after a restart too.
    assert Spool(tmp_path / "spool", budget_bytes=1 * MB).stats().screenshots_dropped == 2


def test_activity_is_kept_even_past_the_budget(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=1 * MB)
    for n in range(5):
        spool.put(ACTIVITY.format(f"b{n}"), os.urandom(300 * 1024))
    assert spool.stats().pending_count == 5
    assert spool.put(IMAGE.format("late"), os.urandom(100 * 1024)) is None
    assert spool.stats().screenshots_dropped == 1


def test_set_aside_objects_are_kept_and_come_back_on_request(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", budget_bytes=10 * MB)
    entry = spool.put(ACTIVITY.format("b1"), b"x")
    assert entry is not None
    spool.set_aside(entry)
    assert spool.pending() == []
    assert spool.stats().aside_count == 1
    assert spool.restore_aside() == 1
    assert [spool.read(e)[1] for e in spool.pending()] == [b"x"]


def test_journal_reads_back_its_records_and_ignores_a_torn_tail(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.append("batch1", ACTIVITY.format("s1"), b"row one")
    journal.append("batch1", ACTIVITY.format("s2"), b"row two")
    path = tmp_path / "journal" / "batch1.journal"
    assert _mode(path) == 0o600
    with open(path, "ab") as handle:  # a power cut in the middle of the third append
        handle.write(b"\x00\x00\x01\x00\x12")
    journal.close()

    reopened = Journal(tmp_path / "journal")
    assert reopened.leftovers() == ["batch1"]
    reading = reopened.read("batch1")
    assert reading.records == [
        (ACTIVITY.format("s1"), b"row one"),
        (ACTIVITY.format("s2"), b"row two"),
    ]
    assert not reading.damaged


def test_journal_notices_damage_in_the_middle(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.append("b", ACTIVITY.format("s1"), b"row one")
    journal.append("b", ACTIVITY.format("s2"), b"row two")
    journal.close()
    path = tmp_path / "journal" / "b.journal"
    content = bytearray(path.read_bytes())
    content[12] ^= 0xFF
    path.write_bytes(bytes(content))
    reading = Journal(tmp_path / "journal").read("b")
    assert reading.damaged
    assert reading.records == []


def test_device_id_is_created_once_and_kept(tmp_path: Path) -> None:
    first = load_device_id(tmp_path / "collector")
    assert load_device_id(tmp_path / "collector") == first
    assert _mode(tmp_path / "collector" / "device_id") == 0o600


def test_unusable_spool_folder_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(SpoolError, match="writable disk"):
        Spool(tmp_path / "a-file" / "spool", budget_bytes=10 * MB)
