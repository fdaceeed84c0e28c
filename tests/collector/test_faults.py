"""Faults an employee's machine meets: no network, a flaky S3, a killed process, a bad disk."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from pipeline_rows import COMPANY, USER, FakeClock, ScriptedSource, company_keys, read_landing
from test_uploader import FlakyStore

from collector.agent import Agent, assemble
from collector.batching import Batcher
from collector.config import CollectorSettings
from lakehouse.compaction import compact
from lakehouse.layout import parse_landing_path
from lakehouse.storage import open_store

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
HERE = Path(__file__).parent
FAST_BACKOFF = (0.05, 0.1, 0.2)


def _settings(tmp_path: Path, public_key: str, **overrides: object) -> CollectorSettings:
    values: dict[str, object] = {
        "company_id": COMPANY,
        "user_id": USER,
        "public_key": public_key,
        "spool_dir": tmp_path / "collector",
        "lake_url": (tmp_path / "lake").as_uri(),
        "backoff_seconds": FAST_BACKOFF,
        "rescan_seconds": 0.2,
    }
    values.update(overrides)
    return CollectorSettings(**values)  # type: ignore[arg-type]


def _agent(
    settings: CollectorSettings, source: ScriptedSource, destination: object = None
) -> Agent:
    def make_source(ids: Mapping[str, str], batcher: Batcher) -> ScriptedSource:
        source.image_path = batcher.image_path
        return source

    return assemble(settings, make_source, clock=FakeClock(T0), destination=destination)  # type: ignore[arg-type]


def _wait_until(predicate: object, timeout_seconds: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


# -- storage unreachable ---------------------------------------------------------------------


@pytest.mark.slow
def test_hours_offline_then_back_delivers_everything_exactly_once(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    settings = _settings(tmp_path, pair.public.to_text())
    lake = open_store(settings.lake_url)
    store = FlakyStore(lake)
    store.down.set()
    stop = threading.Event()
    agent = _agent(settings, ScriptedSource(shot_every=30, stop_after=720, stop=stop), store)
    agent.start()
    agent.run(stop)  # 2 hours of 10 s samples with the network down
    assert agent.batcher.finish()
    assert lake.find("landing") == []
    assert agent.status().spool.pending_count > 60
    store.down.clear()
    agent.close(drain_seconds=60)

    tables = read_landing(lake, key_store)
    assert len(tables["activity"]) == 720
    assert len({r["sample_id"] for r in tables["activity"]}) == 720
    assert len(tables["screenshots"]) == 24
    assert all(count == 1 for count in store.written.values())
    assert agent.status().uploads.set_aside == 0


# -- S3 errors and timeouts ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RestartableS3:
    """Our own moto server on a fixed port, so it can be stopped and come back at one address."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: object = None
        self._blackhole: socket.socket | None = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self._server = server

    def stop(self) -> None:
        self._server.stop()  # type: ignore[attr-defined]

    def hang(self) -> None:
        """Accept connections on the port and never answer (requests time out)."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._blackhole = listener

    def stop_hanging(self) -> None:
        assert self._blackhole is not None
        self._blackhole.close()


@pytest.fixture
def restartable_s3() -> Iterator[RestartableS3]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    s3 = RestartableS3()
    s3.start()
    yield s3
    s3.stop()


@pytest.mark.s3
@pytest.mark.slow
def test_s3_going_away_and_hanging_then_back_loses_nothing(
    tmp_path: Path, restartable_s3: RestartableS3
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=restartable_s3.url, region_name="us-east-1").create_bucket(
        Bucket="acme-lake"
    )
    pair, key_store = company_keys()
    settings = _settings(
        tmp_path,
        pair.public.to_text(),
        lake_url="s3://acme-lake/tt",
        s3_endpoint_url=restartable_s3.url,
        s3_key="testing",
        s3_secret="testing",
        upload_timeout_seconds=1.0,
        batch_interval_seconds=20,
    )
    stop = threading.Event()
    agent = _agent(settings, ScriptedSource(shot_every=4, stop_after=10_000, stop=stop))
    agent.start()

    def work(ticks: int) -> None:
        for _ in range(ticks):
            agent.tick()
            agent.clock.current += dt.timedelta(seconds=10)  # type: ignore[attr-defined]

    work(12)
    restartable_s3.stop()  # connection refused
    work(12)
    time.sleep(1.0)
    restartable_s3.hang()  # connections accepted, never answered: timeouts
    work(12)

    def timed_out() -> bool:
        return "timed out" in (agent.status().uploads.last_error or "")

    _wait_until(timed_out, timeout_seconds=60)
    assert agent.status().uploads.storage_reachable is False
    restartable_s3.stop_hanging()
    restartable_s3.start()
    work(12)
    agent.close(drain_seconds=90)

    lake = open_store(settings.lake_url, **settings.storage_options())
    tables = read_landing(lake, key_store)
    assert sorted(r["keystrokes"] for r in tables["activity"]) == list(range(1, 49))
    assert len(tables["screenshots"]) == 12
    assert len(lake.find("landing/images")) == 12
    assert agent.status().spool.pending_count == 0
    assert agent.status().uploads.failed_attempts > 0


# -- killed mid-write ------------------------------------------------------------------------


def _child_env(settings_dir: Path, public_key: str, lake_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMTRECK_COLLECTOR_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent.parent)]),
            "TEAMTRECK_HOME": str(settings_dir / "home"),
            "TEAMTRECK_COLLECTOR_COMPANY_ID": COMPANY,
            "TEAMTRECK_COLLECTOR_USER_ID": USER,
            "TEAMTRECK_COLLECTOR_PUBLIC_KEY": public_key,
            "TEAMTRECK_COLLECTOR_SPOOL_DIR": str(settings_dir / "collector"),
            "TEAMTRECK_COLLECTOR_LAKE_URL": lake_url,
            "TEAMTRECK_COLLECTOR_SAMPLE_INTERVAL_SECONDS": "0.05",
            "TEAMTRECK_COLLECTOR_BATCH_INTERVAL_SECONDS": "0.6",
            "TEAMTRECK_COLLECTOR_BACKOFF_SECONDS": "[0.05, 0.1]",
            "TEAMTRECK_COLLECTOR_RESCAN_SECONDS": "0.2",
        }
    )
    return env


def _ledger(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.slow
def test_a_killed_agent_recovers_and_sends_everything_once(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    lake_url = (tmp_path / "lake").as_uri()
    env = _child_env(tmp_path, pair.public.to_text(), lake_url)
    ledger = tmp_path / "ledger"
    command = [sys.executable, str(HERE / "agent_child.py"), str(ledger)]
    kills = 0
    for wanted in (15, 40, 70):
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_until(lambda w=wanted: len(_ledger(ledger)) >= w)  # type: ignore[misc]
        time.sleep(0.013 * wanted % 0.2)  # land somewhere inside a write
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        kills += 1

    restart = subprocess.run([*command, "5"], env=env, capture_output=True, text=True, timeout=120)
    assert restart.returncode == 0, restart.stderr[-2000:]

    lake = open_store(lake_url)
    accepted = set(_ledger(ledger))
    rows = read_landing(lake, key_store)["activity"]
    landed = {r["sample_id"] for r in rows}
    assert accepted <= landed  # every sample the agent had accepted reached the lake
    assert len(landed - accepted) <= kills  # at most the sample in hand at each kill
    assert not list((tmp_path / "collector" / "spool" / "outbox").iterdir())
    # Rows of the batches in progress at each kill came back from the journal, one object each.
    objects = {parse_landing_path(p).object_id for p in lake.find("landing/activity")}
    assert len(objects & landed) >= kills
    summary = compact(lake, key_store, tables=["activity"])
    assert summary.rows_written == len(landed)  # the lake counts each sample once
    assert summary.duplicates == len(rows) - len(landed)
    assert compact(lake, key_store, tables=["activity"]).rows_written == 0


# -- a damaged spool file ----------------------------------------------------------------------


def test_a_damaged_spool_file_is_quarantined_and_the_rest_arrives(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    settings = _settings(tmp_path, pair.public.to_text())
    lake = open_store(settings.lake_url)
    store = FlakyStore(lake)
    store.down.set()
    stop = threading.Event()
    agent = _agent(settings, ScriptedSource(stop_after=60, stop=stop), store)
    agent.start()
    agent.run(stop)  # 10 minutes: 5 batches spooled while offline
    assert agent.batcher.finish()
    spool = agent.batcher.spool
    batches = [e for e in spool.pending() if spool.read(e)[0].startswith("landing/activity/")]
    victim = batches[1]
    victim.file.write_bytes(victim.file.read_bytes()[:-100])  # a bad sector or a torn copy
    store.down.clear()
    agent.close(drain_seconds=60)

    assert agent.status().spool.quarantined_count == 1
    assert (tmp_path / "collector" / "spool" / "quarantine" / victim.file.name).exists()
    keystrokes = sorted(r["keystrokes"] for r in read_landing(lake, key_store)["activity"])
    assert len(keystrokes) == 48  # the damaged batch's 12 samples are lost, the rest delivered
    assert keystrokes[-1] == 60


# -- a full disk budget ----------------------------------------------------------------------


def test_a_full_spool_drops_oldest_screenshots_and_keeps_all_activity(tmp_path: Path) -> None:
    pair, key_store = company_keys()
    settings = _settings(tmp_path, pair.public.to_text(), spool_budget_bytes=2 * 1024 * 1024)
    lake = open_store(settings.lake_url)
    store = FlakyStore(lake)
    store.down.set()
    stop = threading.Event()
    source = ScriptedSource(shot_every=3, image_bytes=150_000, stop_after=180, stop=stop)
    agent = _agent(settings, source, store)
    agent.start()
    agent.run(stop)  # half an hour offline: 60 screenshots of 150 KB do not fit in 2 MB
    assert agent.status().spool.screenshots_dropped > 40
    store.down.clear()
    agent.close(drain_seconds=60)
    dropped = agent.status().spool.screenshots_dropped

    tables = read_landing(lake, key_store)
    assert len(tables["activity"]) == 180  # every sample kept
    images = lake.find("landing/images")
    assert len(images) == 60 - dropped
    newest_shots = sorted(tables["screenshots"], key=lambda r: r["ts"])[-len(images) :]
    assert {r["object_path"] for r in newest_shots} == set(images)  # the oldest went first
