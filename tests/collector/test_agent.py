"""The agent's loop delivers a work session's rows and screenshots to the lake."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
from pipeline_rows import COMPANY, USER, FakeClock, ScriptedSource, company_keys, read_landing

from collector.agent import Agent, assemble
from collector.batching import Batcher
from collector.config import CollectorSettings
from collector.errors import CollectorStopped, ConfigError
from lakehouse.crypto import open_image
from lakehouse.keys import MemoryKeyStore
from lakehouse.storage import Store, open_store

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _settings(tmp_path: Path, public_key: str, **overrides: object) -> CollectorSettings:
    values: dict[str, object] = {
        "company_id": COMPANY,
        "user_id": USER,
        "public_key": public_key,
        "spool_dir": tmp_path / "collector",
        "lake_url": (tmp_path / "lake").as_uri(),
        "backoff_seconds": (0.02, 0.05, 0.1),
        "rescan_seconds": 0.2,
    }
    values.update(overrides)
    return CollectorSettings(**values)  # type: ignore[arg-type]


def _run(agent: Agent, stop: threading.Event) -> None:
    agent.start()
    try:
        agent.run(stop)
    finally:
        agent.close(drain_seconds=30)


def _agent_with(
    tmp_path: Path, source: ScriptedSource, **overrides: object
) -> tuple[Agent, MemoryKeyStore, Store]:
    pair, key_store = company_keys()

    def make_source(ids: Mapping[str, str], batcher: Batcher) -> ScriptedSource:
        source.image_path = batcher.image_path
        return source

    settings = _settings(tmp_path, pair.public.to_text(), **overrides)
    agent = assemble(settings, make_source, clock=FakeClock(T0))
    return agent, key_store, open_store(settings.lake_url)


def test_an_hour_of_work_arrives_in_the_lake_with_every_sample_and_screenshot(
    tmp_path: Path,
) -> None:
    stop = threading.Event()
    source = ScriptedSource(shot_every=60, stop_after=360, stop=stop)
    agent, key_store, lake = _agent_with(tmp_path, source)
    _run(agent, stop)

    tables = read_landing(lake, key_store)
    activity = tables["activity"]
    assert sorted(r["keystrokes"] for r in activity) == list(range(1, 361))
    assert len({r["sample_id"] for r in activity}) == 360
    assert len({r["batch_id"] for r in activity}) == 30  # one batch per 2 minutes
    assert [r["kind"] for r in sorted(tables["sessions"], key=lambda r: r["ts"])] == [
        "start",
        "end",
    ]
    shots = tables["screenshots"]
    assert len(shots) == 6
    for row in shots:
        assert (
            len(open_image(lake.get_bytes(row["object_path"]), key_store, row["object_path"]))
            == 2000
        )
    assert agent.status().spool.pending_count == 0
    assert source.closed


def test_ticks_that_cannot_be_sensed_are_skipped_and_counted(tmp_path: Path) -> None:
    stop = threading.Event()
    source = ScriptedSource(skip=frozenset({3, 4}), crash=frozenset({7}), stop_after=10, stop=stop)
    agent, key_store, lake = _agent_with(tmp_path, source)
    _run(agent, stop)
    keystrokes = sorted(r["keystrokes"] for r in read_landing(lake, key_store)["activity"])
    assert keystrokes == [1, 2, 5, 6, 8, 9, 10]
    assert agent.status().skipped_ticks == 3


def test_a_refused_row_is_counted_and_the_others_are_kept(tmp_path: Path) -> None:
    stop = threading.Event()
    source = ScriptedSource(invalid=frozenset({2}), stop_after=5, stop=stop)
    agent, key_store, lake = _agent_with(tmp_path, source)
    _run(agent, stop)
    assert agent.status().rows_refused == 1
    keystrokes = sorted(r["keystrokes"] for r in read_landing(lake, key_store)["activity"])
    assert keystrokes == [1, 3, 4, 5]


def test_paused_time_records_nothing(tmp_path: Path) -> None:
    source = ScriptedSource()
    agent, key_store, lake = _agent_with(tmp_path, source)
    clock = agent.clock
    assert isinstance(clock, FakeClock)
    steps = [agent.start, agent.tick, agent.pause, *[agent.tick] * 5, agent.resume, agent.tick]
    for step in steps:
        step()
        clock.current += dt.timedelta(seconds=10)
    agent.close(drain_seconds=30)
    tables = read_landing(lake, key_store)
    assert len(tables["activity"]) == 2
    kinds = [r["kind"] for r in sorted(tables["sessions"], key=lambda r: r["ts"])]
    assert kinds == ["start", "pause", "resume", "end"]
    assert source.ticks == 2


def test_an_unusable_spool_stops_the_agent_with_a_clear_error(tmp_path: Path) -> None:
    stop = threading.Event()
    agent, _, _ = _agent_with(tmp_path, ScriptedSource(), batch_max_rows=2)
    agent.start()
    outbox = tmp_path / "collector" / "spool" / "outbox"
    for leftover in outbox.iterdir():
        leftover.unlink()
    outbox.rmdir()
    outbox.write_text("the disk went away")
    with pytest.raises(CollectorStopped, match="spool"):
        agent.run(stop)
    agent.uploader.stop()


def test_without_a_public_key_the_agent_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="public key"):
        assemble(_settings(tmp_path, ""), lambda ids, batcher: ScriptedSource())


def test_the_device_id_is_the_same_across_runs(tmp_path: Path) -> None:
    first, _, _ = _agent_with(tmp_path, ScriptedSource())
    second, _, _ = _agent_with(tmp_path, ScriptedSource())
    assert first.ids["device_id"] == second.ids["device_id"]
    assert first.ids["session_id"] != second.ids["session_id"]


def test_a_clock_set_back_does_not_stall_sampling(tmp_path: Path) -> None:
    stop = threading.Event()
    agent, key_store, lake = _agent_with(tmp_path, ScriptedSource(stop_after=10, stop=stop))
    clock = agent.clock
    assert isinstance(clock, FakeClock)

    def set_back_once(table: str, row: Mapping[str, object]) -> None:
        if table == "activity" and row["keystrokes"] == 5:
            clock.current -= dt.timedelta(hours=1)  # NTP or the user corrects the time

    agent.listeners.append(set_back_once)
    _run(agent, stop)
    # Sampling went on every 10 s from the corrected time instead of waiting an hour.
    assert clock.current < T0
    assert len(read_landing(lake, key_store)["activity"]) == 10
