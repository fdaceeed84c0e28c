"""Screenshots: a person's day as a gallery, decrypted on the fly; full size and zip on demand.

Every look is recorded in the API's audit log before the images are shown, and every download
when it is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboards import context, data, directory, images
from dashboards.api_client import ApiClient

GALLERY_COLUMNS = 4
SEEN_KEY = "screenshots_seen"
FULL_KEY = "screenshot_full"


def record_once(ctx: context.PageContext, user_id: str, day: dt.date, count: int) -> None:
    """Record one gallery view per person and day in this sign-in (not one per rerun)."""
    seen: set[tuple[str, str]] = st.session_state.setdefault(SEEN_KEY, set())
    if (user_id, day.isoformat()) in seen:
        return
    directory.record_access(ctx.api, user_id, "screenshots", f"gallery {day} ({count} images)")
    seen.add((user_id, day.isoformat()))


def zip_maker(
    client: ApiClient, scope: data.Scope, user_id: str, day: dt.date
) -> Callable[[], bytes]:
    """A callable the download button runs on click: audit first, then build the zip."""

    def make() -> bytes:
        directory.record_access(client, user_id, "screenshots", f"download {day}")
        return images.day_zip(scope, user_id, day)

    return make


def render_gallery(ctx: context.PageContext, user_id: str, day: dt.date) -> None:
    shots = data.screenshots(ctx.scope, user_id, day)
    if shots.is_empty():
        st.info(f"No screenshots of {ctx.name_of(user_id)} on {day}.")
        return
    record_once(ctx, user_id, day, shots.height)
    st.download_button(
        f"Download the day ({shots.height} images, zip)",
        zip_maker(ctx.api, ctx.scope, user_id, day),
        file_name=f"screenshots-{user_id}-{day}.zip",
        mime="application/zip",
        icon=":material/folder_zip:",
        key="shots_zip",
        # A rerun on click would drop the pending zip before the browser fetches it.
        on_click="ignore",
    )
    rows = shots.to_dicts()
    for start in range(0, len(rows), GALLERY_COLUMNS):
        for column, shot in zip(
            st.columns(GALLERY_COLUMNS), rows[start : start + GALLERY_COLUMNS], strict=False
        ):
            with column:
                st.image(
                    images.thumbnail(ctx.scope, user_id, day, shot["capture_id"]),
                    caption=f"{shot['ts']:%H:%M:%S} · {shot['app'] or '—'}",
                )
                if st.button("Full size", key=f"full_{shot['capture_id']}"):
                    st.session_state[FULL_KEY] = shot["capture_id"]
    capture = st.session_state.get(FULL_KEY)
    if capture in set(shots["capture_id"].to_list()):
        directory.record_access(ctx.api, user_id, "screenshots", f"view {day} {capture}")
        st.subheader("Full size")
        st.image(images.full_size(ctx.scope, user_id, day, str(capture)), width="content")


def render() -> None:
    ctx = context.page_context()
    st.title("Screenshots")
    left, right = st.columns(2)
    with left:
        user_id = context.person_picker(ctx, "shots_person")
    with right:
        day = st.date_input(
            "Day (UTC)", value=context.today(), max_value=context.today(), key="shots_day"
        )
    if user_id is not None and isinstance(day, dt.date):
        render_gallery(ctx, user_id, day)


if __name__ == "__main__":
    render()
