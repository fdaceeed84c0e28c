"""`teamtreck lake compact | sql | purge | retention | erase | simulate`, as operators run them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from lakehouse.cli import lake


def _run(base: list[str], *args: str) -> Result:
    result = CliRunner().invoke(lake, [*base, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    """Options pointing the commands at a fresh local lake and key store."""
    options = ["--lake-url", (tmp_path / "lake").as_uri(), "--key-store", str(tmp_path / "keys")]
    _run(options, "keys", "create", "--company", "acme")
    return options


def test_simulate_compact_query_and_export(base: list[str], tmp_path: Path) -> None:
    start = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()
    out = _run(
        base,
        "simulate",
        "--company",
        "acme",
        "--users",
        "2",
        "--days",
        "1",
        "--hours",
        "0.5",
        "--start",
        start,
        "--seed",
        "3",
    )
    assert "wrote 34 files" in out.output  # 2 people x (15 batches + screenshots + sessions)

    compacted = _run(base, "compact")
    assert "34 ingested" in compacted.output
    assert "quarantined: 0" in compacted.output
    assert "0 ingested, 34 already ingested" in _run(base, "compact").output

    query = "SELECT user_id, sum(duration_seconds) AS s FROM activity GROUP BY 1 ORDER BY 1"
    table = _run(base, "sql", query).output
    assert "user-0001" in table
    assert "1800" in table
    as_csv = _run(base, "sql", query, "--format", "csv").output
    assert as_csv.splitlines()[0] == '"user_id","s"'
    as_json = json.loads(_run(base, "sql", query, "--format", "json").output)
    assert as_json == [{"user_id": "user-0001", "s": 1800.0}, {"user_id": "user-0002", "s": 1800.0}]
    target = tmp_path / "export.parquet"
    _run(base, "sql", "SELECT * FROM daily_summary", "--out", str(target))
    assert pq.read_table(target).num_rows == 2


def test_a_bad_query_says_what_failed(base: list[str]) -> None:
    result = CliRunner().invoke(lake, [*base, "sql", "SELECT nope FROM activity"])
    assert result.exit_code != 0
    assert "the query failed" in result.output


def test_retention_purge_and_erase(base: list[str]) -> None:
    old = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=40)).isoformat()
    _run(base, "simulate", "--company", "acme", "--users", "2", "--hours", "0.2", "--start", old)
    _run(base, "compact")

    assert "acme: 90 days" in _run(base, "retention", "--company", "acme").output
    assert "acme: 30 days" in _run(base, "retention", "--company", "acme", "--days", "30").output
    purged = _run(base, "purge").output
    assert "deleted" in purged
    assert "curated/activity" in purged
    rows = _run(base, "sql", "SELECT count(*) AS n FROM activity", "--format", "json").output
    assert json.loads(rows) == [{"n": 0}]

    recent = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    _run(base, "simulate", "--company", "acme", "--users", "2", "--hours", "0.2", "--start", recent)
    _run(base, "compact")
    erased = _run(base, "erase", "--company", "acme", "--user", "user-0001", "--yes").output
    assert "activity rows removed" in erased
    assert "nothing of theirs remains" in erased
    users = _run(base, "sql", "SELECT DISTINCT user_id FROM activity", "--format", "json").output
    assert json.loads(users) == [{"user_id": "user-0002"}]


@pytest.mark.s3
def test_compact_and_query_on_s3(tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> None:
    options = [
        "--lake-url", f"s3://{s3_bucket}/lake", "--s3-endpoint-url", s3_endpoint,
        "--s3-key", "testing", "--s3-secret", "testing", "--key-store", str(tmp_path / "keys"),
    ]  # fmt: skip
    _run(options, "keys", "create", "--company", "acme")
    start = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()
    _run(
        options, "simulate", "--company", "acme", "--users", "1", "--hours", "0.2", "--start", start
    )
    assert "quarantined: 0" in _run(options, "compact").output
    out = _run(options, "sql", "SELECT count(*) AS n FROM activity", "--format", "json").output
    assert json.loads(out) == [{"n": 72}]
