"""Batches written by the collector open on the lake's side with the same numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pipeline_rows import COMPANY, USER, activity_row, company_keys

from collector.batching import Batcher
from collector.errors import ConfigError
from collector.journal import Journal
from collector.spool import Spool
from lakehouse.crypto import open_image, read_encrypted
from lakehouse.errors import MissingKeyError, SchemaError
from lakehouse.keys import MemoryKeyStore, generate_company_key
from lakehouse.layout import parse_landing_path

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _batcher(folder: Path, public_key: object, **options: object) -> Batcher:
    spool = Spool(folder / "spool", budget_bytes=50 * 1024 * 1024)
    return Batcher(
        spool, Journal(folder / "spool" / "journal"), public_key, COMPANY, USER, **options
    )  # type: ignore[arg-type]


def _spooled(batcher: Batcher) -> dict[str, bytes]:
    return dict(batcher.spool.read(e) for e in batcher.spool.pending())


def test_a_batch_decrypts_on_the_lake_side_with_the_same_numbers(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    rows = [activity_row(T0 + dt.timedelta(seconds=10 * n), keystrokes=n) for n in range(12)]
    for row in rows:
        batcher.add("activity", row, row["ts"])
    batch_id = batcher.batch_id
    assert len(batcher.flush()) == 1

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
    spooled = []
    for n in range(1, 5):
        spooled += batcher.add("activity", activity_row(T0), T0 + dt.timedelta(seconds=n))
    assert len(spooled) == 1  # the 5th row filled the batch
    assert batcher.row_count == 0


def test_a_batch_never_spans_two_days(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    late = T0.replace(hour=23, minute=59, second=55)
    batcher.add("activity", activity_row(late), late)
    spooled = batcher.add("activity", activity_row(late + dt.timedelta(seconds=10)), late)
    assert len(spooled) == 1
    batcher.flush()
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
    recovered = [read_encrypted(data, key_store) for data in _spooled(restarted).values()]
    assert sorted(t["keystrokes"][0].as_py() for t in recovered) == [0, 1, 2]
    assert {t["sample_id"][0].as_py() for t in recovered} == {r["sample_id"] for r in rows}
    assert restarted.journal.leftovers() == []


def test_a_journal_left_after_its_batch_was_spooled_adds_nothing(tmp_path: Path) -> None:
    pair, _ = company_keys()
    batcher = _batcher(tmp_path, pair.public)
    batcher.add("activity", activity_row(T0), T0)
    batch_id = batcher.batch_id
    journal_copy = (tmp_path / "spool" / "journal" / f"{batch_id}.journal").read_bytes()
    batcher.flush()
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
        batcher.add("activity", activity_row(T0, keystrokes=None), T0)
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
        read_encrypted(d, key_store)["keystrokes"][0].as_py() for d in _spooled(restarted).values()
    )
    assert keystrokes == [0, 1]
    assert (restarted.spool.quarantine_dir / journal_file.name).exists()
    assert restarted.journal.leftovers() == []
