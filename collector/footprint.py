"""The agent's memory footprint: what the long-lived collector process keeps resident.

The agent's process (`teamtreck collector run`, the tray app) never imports pyarrow or numpy.
They were most of its memory: in a fresh interpreter pyarrow costs ~40 MB, numpy (which pyarrow
pulls in) ~19 MB and pyarrow.parquet ~10 MB, while everything else the agent needs (click,
pydantic, cryptography, Pillow, httpx, the desktop libraries) is ~60-70 MB. With them the agent
held 127 MB steady and 155 MB at a screenshot, even with pandas refused and Arrow on the system
allocator; without them it stays well under 100 MB. How the work moved out:

- **Rows are checked and sealed without Arrow.** Each row is checked in plain Python against the
  data contract (`lakehouse.row_checks`, driven by `lakehouse.schema.COLUMNS`) and journaled as
  JSON sealed like a screenshot (`lakehouse.sealed_rows`): a fresh AES-256-GCM key, wrapped for
  the company public key, the row's own landing path bound into the associated data. The
  journal stays write-only for this machine.
- **Batches are written by a short-lived child.** Every two minutes a batch goes to
  ``python -m collector.batch_writer`` on its stdin (never to disk in a readable form); the
  child writes the PME Parquet objects the lake contract requires into the spool and exits.
  The agent waits for it on a thread of its own (sampling never blocks on it) and forgets the
  batch's journal only once the files are in the outbox (`collector.batch_queue`).
- **Nothing is lost when that fails.** If the child fails or times out, or the agent dies, the
  journaled rows are uploaded as they are, one ``…/<row id>.row.sealed`` object each; the lake
  opens them with the private key, checks and deduplicates them like the rows of a batch.
- **`lakehouse` imports lazily** (PEP 562), so the agent's ``lakehouse.keys``,
  ``lakehouse.layout``, ``lakehouse.schema`` and envelope imports load no Arrow.

The price is CPU: one child per batch every two minutes (batches that queued up meanwhile share
one), a fresh interpreter importing pyarrow and its Parquet encryption. With pandas and numpy
refused in the child (`refuse_optional_for_arrow`: pyarrow would load both, an employee's install
has neither) a 12-row batch costs ~0.14 s of CPU and ~107 MB at the child's peak, against ~0.47 s
and ~157 MB with them.

Measured with bench/bench_collector.py (Xvfb 1920x1080 + xdotool input, default settings, on
2 shared cores): 64 MB steady and 93 MB peak in 120 s and in 300 s runs (USS 42-46 MB steady);
the peak is the screenshot (grabbing, converting and encoding a 1920x1080 frame raises the
high-water mark by ~29 MB). CPU: 0.83-1.04 % of one core overall in 120 s, which is mostly
start-up, 0.31-0.49 % steady; 0.68 % overall and 0.44 % steady in 300 s. Each batch writer
child peaks at 103 MB for a fraction of a second.

What still helps in the agent's own process, set by `slim_process()` first thing in its entry
points (never for a library import): glibc tuned for a small, steady process — two malloc
arenas instead of eight per core for the agent's threads, a fixed mmap threshold so big
screenshot buffers go back to the system when freed — and `release_memory` (malloc_trim) after
a batch or a screenshot.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.abc
import importlib.machinery
import logging
import os
import sys
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import Final

logger = logging.getLogger(__name__)

# Never loaded by the agent's process (tests/collector/test_footprint.py checks it).
KEPT_OUT: Final = ("pyarrow", "numpy", "pandas")
OPTIONAL_FOR_ARROW: Final = ("pandas", "numpy")
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_M_ARENA_MAX: Final = -8
_MMAP_THRESHOLD_BYTES: Final = 256 * 1024
_TRIM_THRESHOLD_BYTES: Final = 1024 * 1024
_ARENAS: Final = 2


class _Refuser(importlib.abc.MetaPathFinder):
    """Makes pandas and numpy unimportable, so pyarrow (which looks for them) does without."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".", 1)[0] in OPTIONAL_FOR_ARROW:
            raise ModuleNotFoundError(
                f"{fullname} is not loaded by the collector (it keeps memory small)", name=fullname
            )
        return None


def refuse_optional_for_arrow() -> None:
    """Keep pandas and numpy out of this process, for the batch writer (the process that loads
    pyarrow). pyarrow imports numpy when it is installed and pandas the first time it looks for
    pandas objects; neither is needed to write a batch (an employee's install has neither), and
    together they cost ~0.2 s of CPU and ~40 MB per batch."""
    if any(name in sys.modules for name in OPTIONAL_FOR_ARROW):
        return  # too late: something loaded them already
    if not any(isinstance(finder, _Refuser) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refuser())


def slim_process() -> None:
    """Apply the memory settings above to this process (idempotent)."""
    tune_malloc()
    loaded = [name for name in KEPT_OUT if name in sys.modules]
    if loaded:
        logger.info("%s already loaded: the agent will use more memory", ", ".join(loaded))


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - musl has no mallopt/malloc_trim: leave its allocator alone
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc() -> None:
    """Fewer arenas, no growing mmap threshold (Linux with glibc; elsewhere nothing)."""
    libc = _glibc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX"):
        return  # someone chose their own settings
    libc.mallopt(_M_ARENA_MAX, _ARENAS)
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)


def release_memory() -> None:
    """Give freed heap pages back to the system (cheap; call after a batch or a screenshot)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
