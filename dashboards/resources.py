"""Things one dashboard process shares between all viewers: settings, the HTTP client."""

from __future__ import annotations

import httpx
import streamlit as st

from dashboards.config import DashboardSettings


@st.cache_resource
def settings() -> DashboardSettings:
    """The settings, read from the environment once per process."""
    return DashboardSettings()


@st.cache_resource
def http_client(api_url: str, timeout_seconds: float) -> httpx.Client:
    """One connection pool to the API per process (httpx.Client is thread-safe)."""
    return httpx.Client(base_url=api_url, timeout=timeout_seconds)
