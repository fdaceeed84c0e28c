"""The on-disk spool: encrypted objects waiting to be uploaded to the lake's landing zone.

The spool moves opaque bytes (PME Parquet batches, sealed images and sealed rows); it never
sees plaintext. Its folder is private to the user (0700, files 0600)::

    outbox/      <created_ns>-<seq>-<kind>-<object_id>   waiting for upload, oldest first
    aside/       objects that kept failing; `restore_aside()` puts them back in the outbox
    quarantine/  damaged files, each with a `.reason` text beside it
    tmp/         half-written files; whatever is left there after a crash is discarded
    state.json   counters that survive restarts (screenshots dropped for the disk budget)

A spool file is `MAGIC | sha256(rest) | len(path) | landing path | payload`, written to tmp/
(by this process, or by a batch writer child), fsync'ed and renamed into the outbox, so a crash
leaves either the whole object or nothing, and a damaged file is recognised and quarantined
instead of being uploaded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from collector.errors import SpoolCorruptError, SpoolError

logger = logging.getLogger(__name__)

MAGIC: Final = b"TTSP\x01"
_DIGEST_BYTES: Final = 32
_HEADER: Final = len(MAGIC) + _DIGEST_BYTES
IMAGE: Final = "image"
TABLE: Final = "table"


def ensure_private_dir(folder: Path) -> Path:
    """Create `folder` (and parents) readable by this user only, tightening it if loose."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    except OSError as e:
        raise SpoolError(
            f"cannot use the folder {folder}: {e.strerror}. "
            "Check that it is on a writable disk and owned by this user."
        ) from e
    return folder


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (a power cut could otherwise undo it)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(tmp_dir: Path, target: Path, data: bytes) -> None:
    """Write `data` to `target` (0600) so that a crash leaves the old content or the new."""
    temp = tmp_dir / f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


@dataclass(frozen=True)
class SpoolEntry:
    """One spooled object: its file and what kind of object it holds."""

    file: Path
    kind: str  # IMAGE (may be dropped for the disk budget) or TABLE (always kept)
    object_id: str
    size_bytes: int


@dataclass(frozen=True)
class SpoolStats:
    """What the spool holds now, and what it had to drop since it was created."""

    pending_count: int
    pending_bytes: int
    aside_count: int
    quarantined_count: int
    screenshots_dropped: int


def encode_entry(rel_path: str, payload: bytes) -> bytes:
    """Return the spool file content for one object."""
    path_bytes = rel_path.encode()
    body = struct.pack(">H", len(path_bytes)) + path_bytes + payload
    return MAGIC + hashlib.sha256(body).digest() + body


def decode_entry(content: bytes) -> tuple[str, bytes]:
    """Return (landing path, payload) of a spool file's content, or raise ValueError."""
    if content[: len(MAGIC)] != MAGIC:
        raise ValueError("not a spool file (bad magic)")
    body = content[_HEADER:]
    if hashlib.sha256(body).digest() != content[len(MAGIC) : _HEADER] or len(body) < 2:
        raise ValueError("checksum mismatch (truncated or altered)")
    (path_len,) = struct.unpack(">H", body[:2])
    return body[2 : 2 + path_len].decode(), body[2 + path_len :]


def _kind_of(rel_path: str) -> str:
    return IMAGE if rel_path.startswith("landing/images/") else TABLE


def _object_id_of(rel_path: str) -> str:
    return rel_path.rsplit("/", 1)[-1].split(".", 1)[0]


def _entry_of(file: Path) -> SpoolEntry | None:
    parts = file.name.split("-", 3)
    if len(parts) != 4 or parts[2] not in (IMAGE, TABLE):
        return None
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        return None
    return SpoolEntry(file, parts[2], parts[3], size)


class Spool:
    """A folder of encrypted objects waiting for upload, capped by a disk budget.

    Thread-safe: the agent puts, upload threads read and remove.
    """

    def __init__(self, folder: Path, budget_bytes: int) -> None:
        self.folder = ensure_private_dir(folder)
        self.budget_bytes = budget_bytes
        self.outbox = ensure_private_dir(folder / "outbox")
        self.aside = ensure_private_dir(folder / "aside")
        self.quarantine_dir = ensure_private_dir(folder / "quarantine")
        self.tmp = ensure_private_dir(folder / "tmp")
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._discard_half_written()
        self._used_bytes = sum(e.size_bytes for e in self._entries(self.outbox, self.aside))
        self._dropped = self._load_state().get("screenshots_dropped", 0)

    # -- writing -------------------------------------------------------------------------------

    def put(self, rel_path: str, payload: bytes) -> SpoolEntry | None:
        """Spool one object durably; returns None when a screenshot was dropped for the budget."""
        content = encode_entry(rel_path, payload)
        kind, object_id = _kind_of(rel_path), _object_id_of(rel_path)
        with self._lock:
            if not self._make_room(len(content), kind):
                self._count_dropped(1)
                logger.warning("spool full: dropped new screenshot %s", object_id)
                return None
            target = self.outbox / self._new_name(kind, object_id)
            try:
                write_atomic(self.tmp, target, content)
            except OSError as e:
                raise SpoolError(
                    f"cannot write to the spool {self.folder}: {e.strerror}. "
                    "Free disk space or choose another spool folder "
                    "(TEAMTRECK_COLLECTOR_SPOOL_DIR)."
                ) from e
            self._used_bytes += len(content)
        return SpoolEntry(target, kind, object_id, len(content))

    def _make_room(self, size_bytes: int, kind: str) -> bool:
        """Drop the oldest screenshots until `size_bytes` fit; False if a new image can't fit."""
        if self._used_bytes + size_bytes <= self.budget_bytes:
            return True
        images = [e for e in self._entries(self.outbox, self.aside) if e.kind == IMAGE]
        dropped = 0
        for entry in images:
            if self._used_bytes + size_bytes <= self.budget_bytes:
                break
            if self._unlink(entry):
                dropped += 1
        if dropped:
            self._count_dropped(dropped)
            logger.warning("spool full: dropped %d oldest screenshots", dropped)
        fits = self._used_bytes + size_bytes <= self.budget_bytes
        if not fits and kind == TABLE:
            logger.warning("spool over its budget: keeping activity data anyway")
        return fits or kind == TABLE

    def adopt(self, prepared: Path, rel_path: str) -> SpoolEntry:
        """Move a spool file another process wrote and fsync'ed in tmp/ into the outbox."""
        if prepared.parent != self.tmp:
            raise SpoolError(f"{prepared} is not in the spool's tmp folder {self.tmp}.")
        kind, object_id = _kind_of(rel_path), _object_id_of(rel_path)
        with self._lock:
            size = prepared.stat().st_size
            self._make_room(size, kind)
            target = self.outbox / self._new_name(kind, object_id)
            os.replace(prepared, target)
            fsync_dir(self.outbox)
            self._used_bytes += size
        return SpoolEntry(target, kind, object_id, size)

    # -- reading and removing ------------------------------------------------------------------

    def pending(self) -> list[SpoolEntry]:
        """Return the objects waiting for upload, oldest first."""
        return self._entries(self.outbox)

    def object_ids(self) -> set[str]:
        """Return the object ids in the outbox and set aside (used to recover journals)."""
        return {e.object_id for e in self._entries(self.outbox, self.aside)}

    def read(self, entry: SpoolEntry) -> tuple[str, bytes]:
        """Return (landing path, payload); a damaged file is quarantined (SpoolCorruptError)."""
        content = entry.file.read_bytes()
        try:
            return decode_entry(content)
        except (ValueError, UnicodeDecodeError, struct.error) as e:
            moved = self.quarantine(entry, str(e))
            raise SpoolCorruptError(moved, str(e)) from e

    def remove(self, entry: SpoolEntry) -> None:
        """Forget an object once the lake holds it."""
        with self._lock:
            self._unlink(entry)

    def set_aside(self, entry: SpoolEntry) -> None:
        """Move an object that keeps failing out of the outbox (kept, not deleted)."""
        self._move(entry, self.aside)
        logger.warning("upload of %s keeps failing: set aside", entry.object_id)

    def restore_aside(self) -> int:
        """Put every object set aside back in the outbox; returns how many."""
        entries = self._entries(self.aside)
        for entry in entries:
            self._move(entry, self.outbox)
        return len(entries)

    def quarantine(self, entry: SpoolEntry, reason: str) -> Path:
        """Move a damaged file to quarantine/ with a note of why; returns its new path."""
        target = self.quarantine_dir / entry.file.name
        with self._lock:
            try:
                os.replace(entry.file, target)
                self._used_bytes -= entry.size_bytes
            except FileNotFoundError:
                return target
        write_atomic(self.tmp, target.with_name(target.name + ".reason"), reason.encode())
        logger.error("quarantined damaged spool file %s: %s", entry.file.name, reason)
        return target

    def stats(self) -> SpoolStats:
        """Return what the spool holds now."""
        pending = self.pending()
        quarantined = [p for p in self.quarantine_dir.iterdir() if p.suffix != ".reason"]
        with self._lock:
            dropped = self._dropped
        return SpoolStats(
            pending_count=len(pending),
            pending_bytes=sum(e.size_bytes for e in pending),
            aside_count=len(self._entries(self.aside)),
            quarantined_count=len(quarantined),
            screenshots_dropped=dropped,
        )

    # -- internals -----------------------------------------------------------------------------

    def _new_name(self, kind: str, object_id: str) -> str:
        return f"{time.time_ns():020d}-{next(self._seq) % 10**6:06d}-{kind}-{object_id}"

    def _entries(self, *folders: Path) -> list[SpoolEntry]:
        found = [_entry_of(f) for folder in folders for f in folder.iterdir()]
        return sorted((e for e in found if e is not None), key=lambda e: e.file.name)

    def _unlink(self, entry: SpoolEntry) -> bool:
        try:
            entry.file.unlink()
        except FileNotFoundError:
            return False
        self._used_bytes -= entry.size_bytes
        return True

    def _move(self, entry: SpoolEntry, folder: Path) -> None:
        try:
            os.replace(entry.file, folder / entry.file.name)
        except FileNotFoundError:
            return
        fsync_dir(folder)

    def _discard_half_written(self) -> None:
        for leftover in self.tmp.iterdir():
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()

    def _count_dropped(self, count: int) -> None:
        self._dropped += count
        state = json.dumps({"screenshots_dropped": self._dropped}).encode()
        write_atomic(self.tmp, self.folder / "state.json", state)

    def _load_state(self) -> dict[str, int]:
        path = self.folder / "state.json"
        try:
            loaded = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            logger.warning("spool state file is damaged; counters start again at zero")
            return {}
        return {k: int(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
