"""The agent's process stays small: it never loads pyarrow or numpy, and the batches its child
process writes are what the company reads back."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline_rows import COMPANY, USER, activity_row, company_keys, read_landing, read_object

from collector.spool import decode_entry
from lakehouse.compaction import compact
from lakehouse.layout import parse_landing_path
from lakehouse.row_json import row_to_json
from lakehouse.storage import open_store

HERE = Path(__file__).parent
KEPT_OUT = ["numpy", "pandas", "pyarrow"]

# What `teamtreck collector run` and `teamtreck collector app` import, then a real agent that
# journals, batches (through the batch writer child), seals screenshots and uploads.
AGENT_PROCESS = """
import json, sys, threading
import teamtreck.cli, collector.cli, collector.employee_cli, collector.app, collector.recorder
import collector.desktop_source, collector.tray, collector.transparency_page
from collector.footprint import slim_process
slim_process()
from collector.agent import assemble
from collector.config import CollectorSettings
from pipeline_rows import FakeClock, ScriptedSource
import datetime as dt

stop = threading.Event()
def make_source(ids, batcher):
    return ScriptedSource(batcher.image_path, shot_every=4, stop_after=int(sys.argv[1]), stop=stop)
clock = FakeClock(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
agent = assemble(CollectorSettings(), make_source, clock=clock)
agent.start()
agent.run(stop)
agent.close(drain_seconds=60)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))
print(json.dumps({"loaded": loaded, "rows": agent.status().rows_batched}))
"""


def test_the_agent_process_never_loads_arrow_and_its_batches_reach_the_lake(
    tmp_path: Path,
) -> None:
    pair, key_store = company_keys()
    lake_url = (tmp_path / "lake").as_uri()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMTRECK_COLLECTOR_")}
    env.pop("DISPLAY", None)  # the agent's imports must not need a desktop
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent.parent)]),
            "TEAMTRECK_HOME": str(tmp_path / "home"),
            "TEAMTRECK_COLLECTOR_COMPANY_ID": COMPANY,
            "TEAMTRECK_COLLECTOR_USER_ID": USER,
            "TEAMTRECK_COLLECTOR_PUBLIC_KEY": pair.public.to_text(),
            "TEAMTRECK_COLLECTOR_SPOOL_DIR": str(tmp_path / "collector"),
            "TEAMTRECK_COLLECTOR_LAKE_URL": lake_url,
            "TEAMTRECK_COLLECTOR_BATCH_MAX_ROWS": "10",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", AGENT_PROCESS, "24", ",".join(KEPT_OUT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["loaded"] == []

    # Every row reached the lake inside a Parquet batch the child wrote (none fell back to
    # sealed rows), and compaction takes them all.
    lake = open_store(lake_url)
    exts = {parse_landing_path(p).ext for p in lake.find("landing") if "/images/" not in p}
    assert exts == {"parquet"}
    tables = read_landing(lake, key_store)
    assert sorted(r["keystrokes"] for r in tables["activity"]) == list(range(1, 25))
    assert len(tables["screenshots"]) == 6
    assert said["rows"] == sum(len(rows) for rows in tables.values())
    summary = compact(lake, key_store)
    assert summary.rows_written == said["rows"]
    assert not summary.quarantined
    assert not list((tmp_path / "collector" / "spool" / "journal").iterdir())


# The batch writer child, run as the agent runs it, then asked what it loaded.
BATCH_WRITER = """
import io, json, sys
from collector.batch_writer import main
out = io.BytesIO()
code = main(io.BytesIO(sys.stdin.buffer.read()), out)
loaded = sorted(m for m in ("numpy", "pandas") if m in sys.modules)
print(json.dumps({"code": code, "answer": json.loads(out.getvalue()), "loaded": loaded}))
"""


def test_the_batch_writer_loads_neither_numpy_nor_pandas_and_writes_what_the_lake_reads(
    tmp_path: Path,
) -> None:
    pair, key_store = company_keys()
    ts = dt.datetime.now(dt.UTC)
    rows = [{**activity_row(ts, keystrokes=n), "batch_id": "b-1"} for n in range(3)]
    path = f"landing/activity/company={COMPANY}/user={USER}/date={ts.date()}/b-1.parquet"
    request = {
        "public_key": pair.public.to_text(),
        "spool_tmp": str(tmp_path),
        "objects": [{"table": "activity", "path": path, "rows": [row_to_json(r) for r in rows]}],
    }
    done = subprocess.run(
        [sys.executable, "-c", BATCH_WRITER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["code"] == 0
    assert said["loaded"] == []
    [written] = said["answer"]["written"]
    landed_path, payload = decode_entry((tmp_path / written["file"]).read_bytes())
    assert landed_path == path
    landed = read_object(path, payload, key_store)
    assert [r["keystrokes"] for r in landed] == [0, 1, 2]
    assert landed[0]["title"] == "quarterly report – draft"
