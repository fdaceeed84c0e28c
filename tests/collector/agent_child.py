"""Runs the real agent in its own process for the crash tests (killed with SIGKILL by the test).

Settings come from TEAMTRECK_COLLECTOR_* variables; sensing is the scripted source. After each
row is journaled its id is appended (fsync'ed) to the ledger file given as argv[1], so the test
knows which samples the agent had accepted when it was killed. With argv[2] = N the agent stops
by itself after N ticks (the restart that must deliver everything).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

from pipeline_rows import ScriptedSource

from collector.agent import assemble
from collector.batching import Batcher
from collector.config import CollectorSettings


def main() -> None:
    ledger_path = sys.argv[1]
    stop_after = int(sys.argv[2]) if len(sys.argv) > 2 else None
    stop = threading.Event()

    def make_source(ids: Mapping[str, str], batcher: Batcher) -> ScriptedSource:
        return ScriptedSource(
            batcher.image_path, shot_every=3, image_bytes=300_000, stop_after=stop_after, stop=stop
        )

    agent = assemble(CollectorSettings(), make_source)
    ledger = open(ledger_path, "a")  # noqa: SIM115 (open for the whole run)

    def note(table: str, row: Mapping[str, Any]) -> None:
        if table == "activity":
            ledger.write(f"{row['sample_id']}\n")
            ledger.flush()
            os.fsync(ledger.fileno())

    agent.listeners.append(note)
    agent.start()
    print("started", flush=True)
    try:
        agent.run(stop)
    finally:
        agent.close(drain_seconds=60)
    print("done", flush=True)


if __name__ == "__main__":
    main()
