"""Things one dashboard process shares between all viewers: settings, the HTTP client."""

from __future__ import annotations

import httpx
import streamlit as st

from dashboards.config import DashboardSettings
from lakehouse import FileKeyStore, Store, open_store
from lakehouse.engine import Lake


@st.cache_resource
def settings() -> DashboardSettings:
    """The settings, read from the environment once per process."""
    return DashboardSettings()


@st.cache_resource
def http_client(api_url: str, timeout_seconds: float) -> httpx.Client:
    """One connection pool to the API per process (httpx.Client is thread-safe)."""
    return httpx.Client(base_url=api_url, timeout=timeout_seconds)


@st.cache_resource
def lake_store() -> Store:
    """The lake's object store (a folder or an S3 prefix), one per process."""
    cfg = settings()
    return open_store(cfg.resolved_lake_url(), **cfg.storage_options)


@st.cache_resource
def key_store() -> FileKeyStore:
    """The company keys the dashboards decrypt with (0600 files, refused when loose)."""
    return FileKeyStore(settings().resolved_keys_dir())


@st.cache_resource
def lake() -> Lake:
    """The lake (store + key store) the dashboards read."""
    return Lake(lake_store(), key_store())
