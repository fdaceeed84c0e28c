"""Signing in to the dashboards through the API, and who the viewer is.

Only company admins and sub-admins see the team pages; a plain user is sent to their own
view. The viewer and their tokens live in `st.session_state` (one browser tab = one session);
nothing about them is stored on disk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboards import resources
from dashboards.api_client import ApiClient, ApiError, ApiUnreachable, Tokens

log = logging.getLogger(__name__)

VIEWER_KEY = "viewer"
TOKENS_KEY = "tokens"
SIGNED_OUT_KEY = "signed_out_because"  # the API's reason, shown above the sign-in form
ADMIN = "company_admin"
SUB_ADMIN = "sub_admin"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the API describes them."""

    user_id: str
    company_id: str
    role: str
    email: str
    name: str
    team_ids: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role in (ADMIN, SUB_ADMIN)


def viewer_from_api(body: dict[str, Any]) -> Viewer:
    """Build a Viewer from the API's description of the signed-in user."""
    return Viewer(
        user_id=str(body["id"]),
        company_id=str(body["company_id"]),
        role=str(body["role"]),
        email=str(body.get("email", "")),
        name=str(body.get("name") or body.get("full_name") or body.get("email", "")),
        team_ids=tuple(str(t) for t in body.get("team_ids", ())),
    )


def _keep_tokens(tokens: Tokens) -> None:
    st.session_state[TOKENS_KEY] = tokens


def api() -> ApiClient:
    """A client for this viewer's session (tokens from session state, refreshed as needed)."""
    cfg = resources.settings()
    http = resources.http_client(cfg.api_url, cfg.api_timeout_seconds)
    return ApiClient(http, st.session_state.get(TOKENS_KEY), on_tokens=_keep_tokens)


def current_viewer() -> Viewer | None:
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None


def require_viewer() -> Viewer:
    """The signed-in viewer; stops the page when nobody is (the router shows the login)."""
    viewer = current_viewer()
    if viewer is None:
        st.warning("Please sign in.")
        st.stop()
    return viewer


def sign_in(email: str, password: str) -> Viewer:
    """Sign in through the API and remember the viewer in this session."""
    client = api()
    viewer = viewer_from_api(client.login(email, password)["user"])
    st.session_state[VIEWER_KEY] = viewer
    log.info("signed in user %s (%s)", viewer.user_id, viewer.role)
    return viewer


def sign_out() -> None:
    """Forget the viewer; tell the API to revoke the refresh token when it can be reached."""
    try:
        api().logout()
    except (ApiError, ApiUnreachable):
        log.info("logout could not reach the API; tokens dropped locally")
    forget()


def forget(reason: str | None = None) -> None:
    """Drop the viewer and their tokens from this session (e.g. when they have expired);
    `reason` is shown on the sign-in form."""
    for key in (VIEWER_KEY, TOKENS_KEY):
        st.session_state.pop(key, None)
    if reason:
        st.session_state[SIGNED_OUT_KEY] = reason
    else:
        st.session_state.pop(SIGNED_OUT_KEY, None)


def render_login() -> None:
    """The sign-in form (the only page before signing in)."""
    st.title("TeamTreck")
    st.caption("Sign in with your TeamTreck account.")
    reason = st.session_state.get(SIGNED_OUT_KEY)
    if reason:
        st.info(f"You were signed out: {reason}")
    with st.form("login"):
        email = st.text_input("Email", key="login_email")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        sign_in(email.strip(), password)
    except ApiUnreachable as e:
        st.error(str(e))
        return
    except ApiError as e:
        st.error(f"Sign-in failed: {e.message}")
        return
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.rerun()
