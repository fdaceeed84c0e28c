"""The batch writer: a short-lived child process that encrypts one batch as Parquet for the spool.

The agent itself never loads pyarrow (it would double its memory): every two minutes it starts
``python -m collector.batch_writer`` and hands it the batch on stdin, as JSON::

    {"public_key": "ttpk1…", "spool_tmp": "<spool>/tmp",
     "objects": [{"table": "activity", "path": "landing/activity/…/<batch_id>.parquet",
                  "rows": [{…}, …]}, …]}

For each object the child checks the rows and encrypts them for the company (PME Parquet, as
`lakehouse.writer.encrypt_table` writes every batch), writes the spool file into the spool's
tmp folder and fsyncs it, and answers on stdout::

    {"written": [{"path": "landing/…", "file": "<name in tmp>"}, …], "peak_rss_bytes": N}

The agent then moves the files into the outbox (`Spool.adopt`) and only then forgets the batch's
journal. Rows never touch the disk in a readable form. On any failure the child removes what it
wrote, says what went wrong on stderr without any value of a row (values may be titles or URLs),
and exits with 1; the agent then delivers the batch's journaled rows one by one instead.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from collector.footprint import refuse_optional_for_arrow
from collector.spool import encode_entry
from lakehouse.errors import LakehouseError
from lakehouse.row_json import row_from_json


def _write_private(folder: Path, data: bytes) -> Path:
    target = folder / f"batch-{uuid.uuid4().hex}.spool"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return target


def write_batch(request: dict[str, Any], written: list[Path]) -> list[dict[str, str]]:
    """Encrypt every object of the request into the spool's tmp folder; note each file made."""
    from lakehouse.keys import CompanyPublicKey
    from lakehouse.writer import encrypt_table  # pyarrow: in this short-lived process only

    public_key = CompanyPublicKey.from_text(request["public_key"])
    folder = Path(request["spool_tmp"])
    answer = []
    for item in request["objects"]:
        table, path = item["table"], item["path"]
        rows = [row_from_json(table, row) for row in item["rows"]]
        payload = encrypt_table(table, rows, public_key)
        written.append(_write_private(folder, encode_entry(path, payload)))
        answer.append({"path": path, "file": written[-1].name})
    return answer


def _peak_rss_bytes() -> int:
    try:
        import resource
    except ImportError:  # Windows
        return 0
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def main(stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Run one request; return the exit code (0: every file written, 1: nothing kept)."""
    written: list[Path] = []
    refuse_optional_for_arrow()
    try:
        request = json.loads(stdin.read())
        answer = write_batch(request, written)
    except LakehouseError as e:  # our messages name columns and counts, never values
        failure = f"the batch was not written: {e}"
    except Exception as e:  # a library's message may quote a value: say only what kind it was
        failure = (
            f"the batch was not written: {type(e).__name__} (details withheld, rows are private)"
        )
    else:
        result = {"written": answer, "peak_rss_bytes": _peak_rss_bytes()}
        stdout.write(json.dumps(result).encode())
        stdout.flush()
        return 0
    for path in written:
        path.unlink(missing_ok=True)
    sys.stderr.write(failure + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.stdin.buffer, sys.stdout.buffer))
