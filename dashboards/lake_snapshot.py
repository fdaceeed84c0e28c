"""Snapshots of the lake for the dashboards, and the result cache keyed by them.

A company's `LakeReader` is a snapshot of the lake's files, listed again every
`LAKE_REFRESH_SECONDS` (in the background while the old snapshot keeps answering), and every
result cached with `cached` is keyed by the snapshot it came from, so newly compacted data shows
within about twice that period.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import polars as pl
import streamlit as st

from dashboards import resources
from lakehouse import engine

if TYPE_CHECKING:
    import duckdb

LAKE_REFRESH_SECONDS = 20
# Results are keyed by their snapshot, so these only bound the memory unused ones take.
RESULT_TTL_SECONDS = 600
RESULT_MAX_ENTRIES = 256  # per query function


class LakeReader:
    """One company's DuckDB connection to the lake, shared by the sessions of this process.

    It sees the files present when it connected (`as_of`). A DuckDB connection must not run two
    queries at once, and its registered Arrow datasets belong to it alone (cursors would not see
    them), so queries take turns on a lock; they are short and their results are cached.
    """

    def __init__(self, company_id: str) -> None:
        cfg = resources.settings()
        self.company_id = company_id
        self.as_of = dt.datetime.now(dt.UTC)  # before listing: nothing older is missed
        # connect() opens every footer on this thread, so keys are unwrapped before any scan.
        self._con = engine.connect(
            lake=resources.lake(), company_id=company_id, include_landing=cfg.include_landing
        )
        self._lock = threading.Lock()

    def frame(self, relation: Callable[[duckdb.DuckDBPyConnection], Any]) -> pl.DataFrame:
        with self._lock:
            frame: pl.DataFrame = relation(self._con).pl()
        return frame


@st.cache_resource(
    ttl=LAKE_REFRESH_SECONDS, max_entries=32, refresh_mode="background", show_spinner=False
)
def reader(company_id: str) -> LakeReader:
    """The company's current snapshot of the lake; an expired one keeps answering while its
    successor connects (for at most one more period, then the next caller waits for it)."""
    return LakeReader(company_id)


def _snapshot_key(lake: LakeReader) -> tuple[str, str]:
    return lake.company_id, lake.as_of.isoformat()


P = ParamSpec("P")
R = TypeVar("R")


def cached(func: Callable[P, R]) -> Callable[P, R]:
    """Cache a query function whose first argument is the snapshot it reads (its key part)."""
    cached: Callable[P, R] = st.cache_data(
        ttl=RESULT_TTL_SECONDS,
        max_entries=RESULT_MAX_ENTRIES,
        show_spinner=False,
        hash_funcs={LakeReader: _snapshot_key},
    )(func)
    return cached
