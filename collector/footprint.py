"""The agent's memory footprint: what the long-lived collector process keeps resident.

Measured under Xvfb with default settings (bench/bench_collector.py, 300 s), the agent held 176 MB
steady (198 MB peak), most of it libraries rather than data. Three process-wide settings bring it
to 127 MB steady, 155 MB peak at a screenshot (59 MB of it private, the rest shared libraries):

- **No pandas.** `pyarrow.array(...)` (used to validate every journaled row) imports pandas the
  first time it looks for pandas objects, which costs ~50 MB and is never used by the collector.
  An import hook makes pandas unimportable in this process, and pyarrow then treats it as absent.
- **Arrow's system allocator.** Arrow's default jemalloc pool keeps freed pages for reuse; the
  agent encrypts a few small tables a minute, so returning memory matters more than speed.
- **glibc tuned for a small, steady process**: two malloc arenas instead of eight per core for
  the agent's threads, a fixed mmap threshold so big screenshot buffers go back to the system
  when freed, and `malloc_trim` after a batch or a screenshot.

What remains is mostly imported code (~110 MB just after start-up): pyarrow + numpy ≈ 50 MB,
pydantic + pydantic-settings ≈ 22 MB, click 8, Pillow 7, cryptography 6, psutil 4, pynput 1.

Why not encrypt batches in a short-lived child process instead? It would take pyarrow out of the
agent only if nothing else there needed it, and today two things do: the journal holds each row
as a one-row encrypted Parquet object (write-only for this machine, so a crash loses at most one
sample and recovery can spool the rows as they are), and every `lakehouse` import loads pyarrow
through the package's `__init__`. A child per row would cost far more CPU than the 1 % budget; a
child per batch would need a journal the child can read back, i.e. rows readable on this machine,
which the spool's design refuses; a long-lived encrypting child only moves the same memory to a
second process. Under 100 MB therefore needs a lakehouse that imports without pyarrow plus a
pyarrow-free landing format for rows (e.g. rows sealed like images, converted by compaction).
Until then these settings are the simplest change that keeps every crash-safety guarantee.

These settings are for the agent's own process (`teamtreck collector run`, the tray app), never
for a library import: call `slim_process()` first thing in such an entry point.
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

REFUSED_MODULES: Final = ("pandas",)
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_M_ARENA_MAX: Final = -8
_MMAP_THRESHOLD_BYTES: Final = 256 * 1024
_TRIM_THRESHOLD_BYTES: Final = 1024 * 1024
_ARENAS: Final = 2


class _Refuser(importlib.abc.MetaPathFinder):
    """Makes the refused modules unimportable, so libraries fall back to doing without them."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".", 1)[0] in REFUSED_MODULES:
            raise ModuleNotFoundError(
                f"{fullname} is not loaded in the collector agent (it keeps memory small)",
                name=fullname,
            )
        return None


def slim_process() -> None:
    """Apply the memory settings above to this process (idempotent)."""
    refuse_unused_modules()
    use_system_allocator_for_arrow()
    tune_malloc()


def refuse_unused_modules() -> None:
    """Keep pandas out of this process (no effect if something already imported it)."""
    if any(name in sys.modules for name in REFUSED_MODULES):
        logger.info("pandas is already loaded; the agent will use more memory")
        return
    if not any(isinstance(finder, _Refuser) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refuser())


def use_system_allocator_for_arrow() -> None:
    """Let Arrow allocate with malloc, which gives freed memory back (see `release_memory`)."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


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
