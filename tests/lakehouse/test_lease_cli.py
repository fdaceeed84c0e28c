"""The lake lease as operators meet it: `teamtreck lake compact` beside another job, stopped by
SIGTERM, and `teamtreck lake repair-rollups` for an older lake."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lakehouse.lease import acquire, read_lease, release
from lakehouse.storage import open_store
from teamtreck.supervisor import teamtreck_argv


def lake_command(tmp_path: Path, *args: str) -> list[str]:
    options = ["--lake-url", (tmp_path / "lake").as_uri(), "--key-store", str(tmp_path / "keys")]
    return teamtreck_argv("lake", *options, *args)


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEAMTRECK_HOME": str(tmp_path)}
    return subprocess.run(
        lake_command(tmp_path, *args), capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture
def simulated(tmp_path: Path) -> Path:
    """A lake with a few people's landing data for yesterday, not compacted yet."""
    assert run(tmp_path, "keys", "create", "--company", "acme").returncode == 0
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    written = run(tmp_path, "simulate", "--company", "acme", "--users", "40", "--days", "1",
                  "--start", yesterday, "--seed", "5")  # fmt: skip
    assert written.returncode == 0, written.stderr
    return tmp_path


def test_compact_beside_another_job_stops_and_says_who_holds_the_lake(simulated: Path) -> None:
    store = open_store((simulated / "lake").as_uri())
    erasing = acquire(store, "erasure")
    refused = run(simulated, "compact")
    assert refused.returncode == 1
    assert "another job holds this lake's lease: erasure on" in refused.stderr
    assert store.find("curated") == []
    release(store, erasing)
    done = run(simulated, "compact")
    assert done.returncode == 0, done.stderr
    assert store.find("curated/activity")
    assert read_lease(store) is None


def test_a_compaction_ended_by_sigterm_gives_the_lease_back(simulated: Path) -> None:
    store = open_store((simulated / "lake").as_uri())
    env = {**os.environ, "TEAMTRECK_HOME": str(simulated)}
    child = subprocess.Popen(lake_command(simulated, "compact"), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while read_lease(store) is None and child.poll() is None:
        assert time.monotonic() < deadline, "compaction never took the lease"
        time.sleep(0.05)
    if child.poll() is not None:
        pytest.fail("compaction finished before it could be stopped; give it more data")
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert read_lease(store) is None
    assert run(simulated, "compact").returncode == 0  # the next run is not blocked


def test_repair_rollups_writes_the_rollups_an_older_lake_lacks(simulated: Path) -> None:
    assert run(simulated, "compact").returncode == 0
    store = open_store((simulated / "lake").as_uri())
    titles = store.find("curated/titles")
    assert titles
    store.delete(titles)  # as a lake written before the titles rollup existed
    repaired = run(simulated, "repair-rollups", "--company", "acme")
    assert repaired.returncode == 0, repaired.stderr
    assert "acme: 1 days have every rollup" in repaired.stdout
    assert store.find("curated/titles") == titles
