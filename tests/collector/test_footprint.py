"""The agent's process settings keep it small and change nothing the company reads back."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from pipeline_rows import activity_row, company_keys

from lakehouse.crypto import read_encrypted

AGENT_PROCESS = """
import json, sys
from pathlib import Path
from collector.footprint import release_memory, slim_process
slim_process()
from lakehouse.keys import CompanyPublicKey
from lakehouse.writer import encrypt_table
rows = json.loads(sys.argv[2])
for row in rows:
    row["ts"] = __import__("datetime").datetime.fromisoformat(row["ts"])
key = CompanyPublicKey.from_text(Path(sys.argv[3]).read_text())
Path(sys.argv[1]).write_bytes(encrypt_table("activity", rows, key))
release_memory()
try:
    import pandas  # noqa: F401
    refused = False
except ImportError:
    refused = True
print(json.dumps({"pandas_loaded": "pandas" in sys.modules, "pandas_refused": refused}))
"""


def test_a_slim_agent_writes_rows_the_company_reads_and_never_loads_pandas(
    tmp_path: Path,
) -> None:
    pair, key_store = company_keys()
    key_file = tmp_path / "acme.pub"
    key_file.write_text(pair.public.to_text())
    ts = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    rows = [activity_row(ts + dt.timedelta(seconds=10 * n), batch_id="b-1") for n in range(3)]
    sent = json.dumps(rows, default=lambda v: v.isoformat())
    out = tmp_path / "batch.parquet"
    done = subprocess.run(
        [sys.executable, "-c", AGENT_PROCESS, str(out), sent, str(key_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said == {"pandas_loaded": False, "pandas_refused": True}
    table = read_encrypted(out.read_bytes(), key_store)
    assert table.column("sample_id").to_pylist() == [r["sample_id"] for r in rows]
    assert table.column("title").to_pylist() == ["quarterly report – draft"] * 3
