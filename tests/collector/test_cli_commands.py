"""`teamtreck collector once | run | retry` as an employee or an admin would type them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pipeline_rows import COMPANY, USER, company_keys, read_landing

from collector.spool import Spool
from lakehouse.storage import open_store

TEAMTRECK = shutil.which("teamtreck") or str(Path(sys.executable).parent / "teamtreck")
ACTIVITY = "landing/activity/company=acme/user=alice/date=2026-11-26/{}.parquet"


def _env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMTRECK_COLLECTOR_")}
    env["TEAMTRECK_HOME"] = str(home)
    env.update({f"TEAMTRECK_COLLECTOR_{k.upper()}": v for k, v in settings.items()})
    return env


def _collector(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TEAMTRECK, "collector", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def _typing(xdotool: Any) -> Iterator[None]:
    """Type into the focused window in the background (real input through XTEST)."""
    done = threading.Event()

    def keep_typing() -> None:
        while not done.wait(0.3):
            xdotool.type("abc")

    worker = threading.Thread(target=keep_typing, daemon=True)
    worker.start()
    try:
        yield
    finally:
        done.set()
        worker.join()


@pytest.mark.display
def test_once_prints_one_redacted_sample_as_json(
    tmp_path: Path, titled_window: Callable[..., Any], xdotool: Any
) -> None:
    titled_window("quarterly report")
    with _typing(xdotool):
        result = _collector(_env(tmp_path), "once", "--json", "--seconds", "3")
    assert result.returncode == 0, result.stderr[-2000:]
    sample = json.loads(result.stdout)
    assert sample["app"] == "xterm"
    assert sample["title"] == "quarterly report"
    assert sample["keystrokes"] > 0
    assert sample["status"] == "active"
    assert sample["ts"].endswith("+00:00")
    assert 2.5 <= sample["duration_seconds"] <= 10
    assert not (tmp_path / "lake").exists()  # a diagnosis stores and sends nothing


@pytest.mark.display
@pytest.mark.slow
def test_run_headless_writes_encrypted_activity_the_lake_can_read(
    tmp_path: Path, titled_window: Callable[..., Any], xdotool: Any
) -> None:
    pair, key_store = company_keys()
    key_file = tmp_path / "acme.pub"
    key_file.write_text(pair.public.to_text())
    lake_url = (tmp_path / "lake").as_uri()
    env = _env(tmp_path, sample_interval_seconds="0.5", batch_interval_seconds="1")
    titled_window("design review")
    with _typing(xdotool):
        result = _collector(
            env,
            "run",
            *("--lake-url", lake_url, "--public-key", f"@{key_file}"),
            *("--company", COMPANY, "--user", USER, "--seconds", "8"),
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "0 waiting in the spool" in result.stdout

    tables = read_landing(open_store(lake_url), key_store)
    activity = tables["activity"]
    assert len(activity) >= 2  # ~15 ticks; a loaded machine may merge slow ones
    assert {r["app"] for r in activity} == {"xterm"}
    assert "design review" in {r["title"] for r in activity}
    assert sum(r["keystrokes"] for r in activity) > 0
    assert {r["user_id"] for r in activity} == {USER}
    kinds = {r["kind"] for r in tables["sessions"]}
    assert {"start", "end"} <= kinds


def test_run_without_a_public_key_says_how_to_get_one(tmp_path: Path) -> None:
    result = _collector(_env(tmp_path, lake_url=(tmp_path / "lake").as_uri()), "run")
    assert result.returncode != 0
    assert "public key" in result.stderr
    assert "Traceback" not in result.stderr


def test_retry_puts_set_aside_objects_back_in_line(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "collector" / "spool", budget_bytes=10 * 1024 * 1024)
    entry = spool.put(ACTIVITY.format("b1"), b"encrypted")
    assert entry is not None
    spool.set_aside(entry)
    result = _collector(_env(tmp_path), "retry")
    assert result.returncode == 0, result.stderr
    assert "1 object(s) put back" in result.stdout
    assert [e.object_id for e in spool.pending()] == ["b1"]


def test_the_help_lists_every_command_with_an_example() -> None:
    result = _collector(os.environ.copy(), "--help")
    for command in ("once", "doctor", "run", "retry", "start", "status"):
        assert command in result.stdout
    for command in ("once", "doctor", "run", "retry"):
        assert "Example" in _collector(os.environ.copy(), command, "--help").stdout


def test_spool_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = _env(tmp_path, company_id=COMPANY)
    result = _collector(env, "retry")
    assert result.returncode == 0
    # The spool lives under TEAMTRECK_HOME/collector by default.
    assert (tmp_path / "collector" / "spool" / "outbox").is_dir()
