"""Batches written by the collector open on the lake's side with the same numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pipeline_rows import COMPANY, USER, activity_row, company_keys, read_object

from collector.batch_queue import Batch, BatchQueue, BatchWriterError
from collector.batching import Batcher
from collector.errors import ConfigError
from collector.journal import Journal
from collector.spool import Spool, SpoolEntry
from lakehouse.compaction import compact
from lakehouse.crypto import open_image, read_encrypted
from lakehouse.errors import MissingKeyError, SchemaError
from lakehouse.keys import CompanyPublicKey, MemoryKeyStore, generate_company_key
from lakehouse.layout import parse_landing_path
from lakehouse.sealed_rows import open_row
from lakehouse.storage import open_store

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _batcher(folder: Path, public_key: CompanyPublicKey, **options: Any) -> Batcher:
    spool = Spool(folder / "spool", budget_bytes=50 * 1024 * 1024)
    return Batcher(
        spool, Journal(folder / "spool" / "journal"), public_key, COMPANY, USER, **options
    )


def _spooled(batcher: Batcher) -> dict[str, bytes]:
    return dict(batcher.spool.read(e) for e in batcher.spool.pending())


def test_a_batch_decrypts_on_the_lake_side_with_the_same_numbers(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    rows = [activity_row(T0 + dt.timedelta(seconds=10 * n), keystrokes=n) for n in range(12)]
    for row in rows:
        batcher.add("activity", row, row["ts"])
    batch_id = batcher.batch_id
    batcher.flush()
    assert batcher.pending_ids() >= {batch_id}  # being written by the child process
    assert batcher.finish()
    assert batch_id not in batcher.pending_ids()

    [(path, data)] = _spooled(batcher).items()
    key = parse_landing_path(path)
    assert (key.table, key.company_id, key.user_id, key.object_id) == (
        "activity",
        COMPANY,
        USER,
        batch_id,
    )
    assert key.day == dt.date(2026, 11, 26)
    table = read_encrypted(data, key_store).sort_by("keystrokes")
    assert table["sample_id"].to_pylist() == [r["sample_id"] for r in rows]
    assert table["keystrokes"].to_pylist() == list(range(12))
    assert set(table["batch_id"].to_pylist()) == {batch_id}
    assert table["title"][0].as_py() == "quarterly report – draft"
    # The collector itself cannot read back what it wrote.
    with pytest.raises(MissingKeyError):
        read_encrypted(data, MemoryKeyStore())


def test_a_batch_is_due_after_its_interval_or_when_full(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public, interval_seconds=120, max_rows=5)
    assert not batcher.due(T0)
    batcher.add("activity", activity_row(T0), T0)
    assert not batcher.due(T0 + dt.timedelta(seconds=119))
    assert batcher.due(T0 + dt.timedelta(seconds=120))
    for n in range(1, 5):
        batcher.add("activity", activity_row(T0), T0 + dt.timedelta(seconds=n))
    assert batcher.row_count == 0  # the 5th row filled the batch, which was handed over
    assert batcher.finish()
    assert len(_spooled(batcher)) == 1


def test_a_batch_never_spans_two_days(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    late = T0.replace(hour=23, minute=59, second=55)
    batcher.add("activity", activity_row(late), late)
    batcher.add("activity", activity_row(late + dt.timedelta(seconds=10)), late)
    assert batcher.row_count == 1  # the first day's batch was handed over
    batcher.flush()
    assert batcher.finish()
    days = sorted(parse_landing_path(p).day.isoformat() for p in _spooled(batcher))
    assert days == ["2026-11-26", "2026-11-27"]


def test_rows_in_progress_are_journaled_encrypted_and_recovered_after_a_crash(
    tmp_path: Path,
) -> None:
    pair, key_store = company_keys()
    crashed = _batcher(tmp_path, pair.public)
    rows = [activity_row(T0 + dt.timedelta(seconds=10 * n), keystrokes=n) for n in range(3)]
    for row in rows:
        crashed.add("activity", row, row["ts"])
    journal_file = tmp_path / "spool" / "journal" / f"{crashed.batch_id}.journal"
    assert b"quarterly report" not in journal_file.read_bytes()  # no plaintext on disk
    crashed.journal.close()  # the process dies here, before the batch was due

    restarted = _batcher(tmp_path, pair.public)
    assert len(restarted.recover()) == 3
    recovered = [read_object(p, data, key_store)[0] for p, data in _spooled(restarted).items()]
    assert all(p.endswith(f"/{r['sample_id']}.row.sealed") for p, r in zip(
        _spooled(restarted), recovered, strict=True))  # fmt: skip
    assert sorted(r["keystrokes"] for r in recovered) == [0, 1, 2]
    assert {r["sample_id"] for r in recovered} == {r["sample_id"] for r in rows}
    assert restarted.journal.leftovers() == []
    # Like a batch, a sealed row opens only with the private key.
    path, sealed = next(iter(_spooled(restarted).items()))
    with pytest.raises(MissingKeyError):
        open_row(sealed, MemoryKeyStore(), path)


def test_a_journal_left_after_its_batch_was_spooled_adds_nothing(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    batcher.add("activity", activity_row(T0), T0)
    batch_id = batcher.batch_id
    journal_copy = (tmp_path / "spool" / "journal" / f"{batch_id}.journal").read_bytes()
    batcher.flush()
    assert batcher.finish()
    # A crash right between spooling the batch and removing its journal.
    (tmp_path / "spool" / "journal" / f"{batch_id}.journal").write_bytes(journal_copy)
    restarted = _batcher(tmp_path, pair.public)
    assert restarted.recover() == []
    assert restarted.spool.stats().pending_count == 1


def test_an_invalid_row_is_refused_and_leaves_the_batch_intact(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    batcher.add("activity", activity_row(T0), T0)
    with pytest.raises(SchemaError):
        batcher.add("activity", activity_row(T0, keystrokes=None), T0)  # type: ignore[arg-type]
    assert batcher.row_count == 1


def test_sealed_images_open_with_the_private_key_at_their_path(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    path = batcher.image_path("cap-1", "jpeg", T0.date())
    assert batcher.spool_image(path, b"\xff\xd8jpeg bytes") is not None
    assert path.endswith("/cap-1.jpeg.sealed")
    assert open_image(_spooled(batcher)[path], key_store, path) == b"\xff\xd8jpeg bytes"


def test_a_key_of_another_company_is_refused(tmp_path: Path) -> None:
    other = generate_company_key("globex")
    with pytest.raises(ConfigError, match="globex"):
        _batcher(tmp_path, other.public)


def test_a_damaged_journal_gives_back_its_intact_rows_and_is_quarantined(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    crashed = _batcher(tmp_path, pair.public)
    for n in range(3):
        crashed.add("activity", activity_row(T0, keystrokes=n), T0)
    batch_id = crashed.batch_id
    crashed.journal.close()
    journal_file = tmp_path / "spool" / "journal" / f"{batch_id}.journal"
    content = bytearray(journal_file.read_bytes())
    content[-50] ^= 0xFF  # a bad sector inside the last record
    journal_file.write_bytes(bytes(content))

    restarted = _batcher(tmp_path, pair.public)
    assert len(restarted.recover()) == 2
    keystrokes = sorted(
        read_object(p, d, key_store)[0]["keystrokes"] for p, d in _spooled(restarted).items()
    )
    assert keystrokes == [0, 1]
    assert (restarted.spool.quarantine_dir / journal_file.name).exists()
    assert restarted.journal.leftovers() == []


def test_rows_never_reach_the_disk_in_the_clear_while_a_batch_is_written(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    for n in range(3):
        batcher.add("activity", activity_row(T0, keystrokes=n), T0)
    batcher.flush()
    assert batcher.finish()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "spool").rglob("*") if p.is_file())
    assert b"quarterly report" not in stored
    assert b"xterm" not in stored
    assert batcher.journal.leftovers() == []
    assert not list(batcher.journal.folder.iterdir())


def _failing_writer(
    batches: list[Batch], key: str, folder: Path, timeout: float
) -> list[tuple[str, Path]]:
    raise BatchWriterError("it exited with code 1: scripted failure")


def test_a_failed_batch_writer_delivers_the_journaled_rows_one_by_one(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    spool = Spool(tmp_path / "spool", budget_bytes=50 * 1024 * 1024)
    journal = Journal(tmp_path / "spool" / "journal")
    queue = BatchQueue(spool, journal, pair.public.to_text(), writer=_failing_writer)
    batcher = Batcher(spool, journal, pair.public, COMPANY, USER, queue=queue)
    delivered: list[SpoolEntry] = []
    batcher.on_spooled = delivered.extend
    rows = [activity_row(T0, keystrokes=n) for n in range(3)]
    for row in rows:
        batcher.add("activity", row, T0)
    batcher.flush()
    assert batcher.finish()

    assert len(delivered) == 3
    landed = [read_object(p, d, key_store)[0] for p, d in _spooled(batcher).items()]
    assert sorted(r["sample_id"] for r in landed) == sorted(r["sample_id"] for r in rows)
    assert journal.leftovers() == []


def test_a_batch_the_child_cannot_start_for_is_still_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair, key_store = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-such-python"))
    batcher.add("activity", activity_row(T0), T0)
    batcher.flush()
    assert batcher.finish()
    [(path, data)] = _spooled(batcher).items()
    assert path.endswith(".row.sealed")
    assert read_object(path, data, key_store)[0]["keystrokes"] == 3


def test_a_journal_torn_by_a_power_cut_gives_back_its_sealed_rows_to_the_lake(
    tmp_path: Path,
) -> None:
    pair, key_store = company_keys()
    crashed = _batcher(tmp_path, pair.public)
    rows = [activity_row(T0, keystrokes=n) for n in range(3)]
    for row in rows:
        crashed.add("activity", row, T0)
    crashed.journal.close()
    journal_file = tmp_path / "spool" / "journal" / f"{crashed.batch_id}.journal"
    content = journal_file.read_bytes()
    journal_file.write_bytes(content[:-40])  # the power went in the middle of the third append

    restarted = _batcher(tmp_path, pair.public)
    assert len(restarted.recover()) == 2
    lake = open_store((tmp_path / "lake").as_uri())
    for path, data in _spooled(restarted).items():
        lake.put_bytes(path, data)
    summary = compact(lake, key_store)
    assert summary.rows_written == 2
    assert not summary.quarantined
    assert not (restarted.spool.quarantine_dir / journal_file.name).exists()  # torn, not damaged
