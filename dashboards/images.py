"""Screenshots for the pages: full size, thumbnails and a day's zip, decrypted on the fly.

Images come from `data.open_image` (which checks the viewer's scope); they are kept in memory
for a while so a gallery does not decrypt the same image twice.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import streamlit as st

from dashboards import data

IMAGE_TTL_SECONDS = 600
THUMBNAIL_PX = (320, 180)


@st.cache_data(ttl=IMAGE_TTL_SECONDS, max_entries=64, show_spinner=False)
def full_size(scope: data.Scope, user_id: str, day: dt.date, capture_id: str) -> bytes:
    """The decrypted image, full size."""
    return data.open_image(scope, user_id, day, capture_id)


@st.cache_data(ttl=IMAGE_TTL_SECONDS, max_entries=512, show_spinner=False)
def thumbnail(scope: data.Scope, user_id: str, day: dt.date, capture_id: str) -> bytes:
    """A small JPEG of the screenshot for galleries."""
    from PIL import Image

    image = Image.open(io.BytesIO(full_size(scope, user_id, day, capture_id)))
    image.thumbnail(THUMBNAIL_PX)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def day_zip(scope: data.Scope, user_id: str, day: dt.date) -> bytes:
    """Every screenshot of a person's day, decrypted, as one zip (named by time and id)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for row in data.screenshots(scope, user_id, day).iter_rows(named=True):
            name = f"{row['ts']:%H%M%S}-{row['capture_id']}.{row['format']}"
            archive.writestr(name, data.open_image(scope, user_id, day, row["capture_id"]))
    return out.getvalue()
