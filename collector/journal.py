"""The journal: the rows of the batch in progress, so a crash loses at most the last sample.

Each record holds one row sealed for the company (`lakehouse.sealed_rows`: JSON sealed like a
screenshot, no Arrow needed) and the landing path that row has as an object of its own
(``…/<row id>.row.sealed``, bound into the seal). Like the lake, the journal is write-only for
the collector: no title or URL sits on disk in a form this machine can read. A batch's journal
goes once the batch is spooled; if that never happens (a crash, a failed batch writer), each
record is spooled as it is (`spool_rows`) and compaction reads it like a batch; the lake
deduplicates by row id, so a row that also reached a finished batch is harmless.

Files: `journal/<batch_id>.journal` (0600 in a 0700 folder), append-only, fsync'ed per record.
Record: `len u32 | crc32 u32 | path_len u16 | path | payload`; a torn last record (power cut in
the middle of an append) is recognised and ignored.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from collector.spool import Spool, SpoolEntry, ensure_private_dir, fsync_dir

logger = logging.getLogger(__name__)

SUFFIX: Final = ".journal"
_FRAME: Final = struct.Struct(">II")
_PATH_LEN: Final = struct.Struct(">H")


@dataclass(frozen=True)
class JournalReading:
    """The records read back from one journal, and whether anything past them was damaged."""

    records: list[tuple[str, bytes]]  # (landing path, payload)
    damaged: bool


class Journal:
    """Append-only files of sealed rows, one per batch not yet spooled.

    Thread-safe: the sampling thread appends to the batch in progress while the batch queue's
    thread forgets (or spools the rows of) batches handed to the batch writer.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = ensure_private_dir(folder)
        self._open: dict[str, BinaryIO] = {}
        self._lock = threading.Lock()

    def append(self, batch_id: str, rel_path: str, payload: bytes) -> None:
        """Add one record durably (written and fsync'ed before returning)."""
        with self._lock:
            handle = self._open.get(batch_id)
            if handle is None:
                path = self.folder / f"{batch_id}{SUFFIX}"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                handle = os.fdopen(fd, "ab")
                self._open[batch_id] = handle
                fsync_dir(self.folder)
        path_bytes = rel_path.encode()
        body = _PATH_LEN.pack(len(path_bytes)) + path_bytes + payload
        handle.write(_FRAME.pack(len(body), zlib.crc32(body)) + body)
        handle.flush()
        os.fsync(handle.fileno())

    def discard(self, batch_id: str) -> None:
        """Forget a batch's journal once the batch itself is safely spooled."""
        with self._lock:
            handle = self._open.pop(batch_id, None)
        if handle is not None:
            handle.close()
        (self.folder / f"{batch_id}{SUFFIX}").unlink(missing_ok=True)
        fsync_dir(self.folder)

    def leftovers(self) -> list[str]:
        """Return the batch ids of journals left by an earlier run (not open in this one)."""
        found = (p.name.removesuffix(SUFFIX) for p in self.folder.glob(f"*{SUFFIX}"))
        with self._lock:
            return sorted(b for b in found if b not in self._open)

    def release(self, batch_id: str) -> None:
        """Close a batch's journal but keep it on disk (its batch could not be spooled now)."""
        with self._lock:
            handle = self._open.pop(batch_id, None)
        if handle is not None:
            handle.close()

    def spool_rows(self, batch_id: str, spool: Spool) -> list[SpoolEntry]:
        """Spool each intact record of a batch's journal as an object of its own, then forget
        the journal (a damaged one is moved to the spool's quarantine); returns what was spooled.
        """
        reading = self.read(batch_id)
        spooled = [e for path, sealed in reading.records if (e := spool.put(path, sealed))]
        if reading.damaged:
            self.release(batch_id)
            moved = self.move_to(batch_id, spool.quarantine_dir)
            logger.error("journal of batch %s is damaged; kept in %s", batch_id, moved)
        else:
            self.discard(batch_id)
        logger.info("spooled %d journaled rows of batch %s", len(reading.records), batch_id)
        return spooled

    def read(self, batch_id: str) -> JournalReading:
        """Read the intact records of a journal, stopping at the first damaged one."""
        data = (self.folder / f"{batch_id}{SUFFIX}").read_bytes()
        records: list[tuple[str, bytes]] = []
        offset = 0
        while offset + _FRAME.size <= len(data):
            length, crc = _FRAME.unpack_from(data, offset)
            body = data[offset + _FRAME.size : offset + _FRAME.size + length]
            if len(body) < length:
                # A torn tail: the process died in the middle of its last append.
                return JournalReading(records, damaged=False)
            if zlib.crc32(body) != crc or length < _PATH_LEN.size:
                return JournalReading(records, damaged=True)
            (path_len,) = _PATH_LEN.unpack_from(body)
            path = body[_PATH_LEN.size : _PATH_LEN.size + path_len].decode(errors="replace")
            records.append((path, body[_PATH_LEN.size + path_len :]))
            offset += _FRAME.size + length
        return JournalReading(records, damaged=False)

    def move_to(self, batch_id: str, folder: Path) -> Path:
        """Move a damaged journal into `folder` (the spool's quarantine) and return its path."""
        target = folder / f"{batch_id}{SUFFIX}"
        os.replace(self.folder / f"{batch_id}{SUFFIX}", target)
        fsync_dir(self.folder)
        return target

    def close(self) -> None:
        """Close open journals (they stay on disk until their batch is spooled)."""
        with self._lock:
            handles, self._open = list(self._open.values()), {}
        for handle in handles:
            handle.close()
