"""`teamtreck collector doctor` tells an employee what works on their desktop and what does not."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_cli_commands import _collector, _env

CHECKS = [
    "display",
    "window manager",
    "idle source",
    "input hooks",
    "monitors",
    "screenshots",
    "storage",
    "spool",
    "clock",
]


def _findings(stdout: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(stdout)}


@pytest.mark.display
def test_under_xvfb_everything_works_and_says_what_it_found(
    tmp_path: Path, titled_window: Any
) -> None:
    titled_window("private letter to my doctor")
    result = _collector(_env(tmp_path), "doctor", "--json")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    findings = _findings(result.stdout)
    assert list(findings) == CHECKS
    assert all(f["ok"] for f in findings.values())
    assert "3840x1080" in findings["display"]["detail"]
    assert "'xterm'" in findings["window manager"]["detail"]
    assert "private letter" not in result.stdout  # titles are never shown
    assert findings["monitors"]["detail"].startswith(
        "2 monitor(s): 1920x1080+0+0, 1920x1080+1920+0"
    )
    assert " KB in " in findings["screenshots"]["detail"]
    assert "(700)" in findings["spool"]["detail"]


@pytest.mark.display
def test_the_plain_report_has_one_line_per_check(tmp_path: Path) -> None:
    result = _collector(_env(tmp_path), "doctor")
    lines = result.stdout.splitlines()
    assert len(lines) == len(CHECKS)
    assert all(line.startswith("ok ") for line in lines), result.stdout


def test_without_a_display_or_storage_it_says_what_to_do(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        lake_url="s3://acme-lake/tt",
        s3_endpoint_url="http://127.0.0.1:9",  # nothing listens on the discard port
        s3_key="testing",
        s3_secret="testing",
        upload_timeout_seconds="2",
    )
    env.pop("DISPLAY", None)
    result = _collector(env, "doctor", "--json")
    assert result.returncode == 1
    findings = _findings(result.stdout)
    assert not findings["display"]["ok"]
    assert "DISPLAY is not set" in findings["display"]["detail"]
    assert not findings["input hooks"]["ok"]
    assert not findings["storage"]["ok"]
    assert "acme-lake" in findings["storage"]["detail"]
    assert findings["spool"]["ok"]
    assert findings["clock"]["ok"]
    assert "Traceback" not in result.stderr
    assert os.environ.get("TEAMTRECK_COLLECTOR_S3_SECRET") is None
    assert "testing" not in findings["storage"]["detail"]  # no credentials in the report
