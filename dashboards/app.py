"""The dashboards' entry script: the login gate and the router (`streamlit run` runs this file).

Pages are files in `views/` so each one can also be opened on its own in tests. Which pages a
viewer gets depends on their role: admins get everything, sub-admins everything but settings,
plain users only their own day.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import auth
from dashboards.api_client import ApiError, ApiUnreachable, SessionExpired

VIEWS = Path(__file__).parent / "views"

PageRow = tuple[str, str, str, str]  # file, title, icon, url path

# The manager pages, in menu order.
MANAGER_PAGES: tuple[PageRow, ...] = (
    ("overview.py", "Overview", ":material/dashboard:", "overview"),
    ("live.py", "Live", ":material/sensors:", "live"),
    ("people.py", "People", ":material/groups:", "people"),
    ("timeline.py", "Timeline", ":material/view_timeline:", "timeline"),
    ("apps.py", "Apps & sites", ":material/apps:", "apps"),
    ("screenshots.py", "Screenshots", ":material/photo_library:", "screenshots"),
)
ADMIN_PAGES: tuple[PageRow, ...] = (("settings.py", "Settings", ":material/settings:", "settings"),)
USER_PAGES: tuple[PageRow, ...] = (
    ("timeline.py", "My day", ":material/view_timeline:", "timeline"),
)


def pages_for(viewer: auth.Viewer) -> list[st.Page]:
    """The pages this viewer may open; the first is the landing page."""
    if viewer.is_admin:
        rows = MANAGER_PAGES + ADMIN_PAGES
    elif viewer.is_manager:
        rows = MANAGER_PAGES
    else:
        rows = USER_PAGES
    return [
        st.Page(VIEWS / file, title=title, icon=icon, url_path=url, default=(i == 0))
        for i, (file, title, icon, url) in enumerate(rows)
    ]


def render_sidebar(viewer: auth.Viewer) -> None:
    with st.sidebar:
        st.markdown(f"**{viewer.name}**  \n{viewer.role.replace('_', ' ')}")
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            auth.sign_out()
            st.rerun()


def main() -> None:
    st.set_page_config(page_title="TeamTreck", page_icon=":material/monitoring:", layout="wide")
    viewer = auth.current_viewer()
    if viewer is None:
        login = st.Page(auth.render_login, title="Sign in", url_path="login", default=True)
        st.navigation([login], position="hidden").run()
        return
    page = st.navigation(pages_for(viewer))
    render_sidebar(viewer)
    try:
        page.run()
    except SessionExpired as e:
        auth.forget(e.message)
        st.rerun()
    except ApiError as e:  # what the page asked was refused: the API says why
        st.error(e.message)
    except ApiUnreachable as e:
        st.error(str(e))


if __name__ == "__main__":
    main()
