"""Where objects live: landing paths, their parsing, and what one user may write."""

from __future__ import annotations

import datetime as dt
import fnmatch

import pytest

from lakehouse.errors import LayoutError
from lakehouse.layout import LandingKey, landing_path, parse_landing_path, user_landing_glob

DAY = dt.date(2026, 11, 26)


def test_landing_path_follows_the_documented_layout() -> None:
    path = landing_path("activity", "acme", "ada", DAY, "batch-1", "parquet")
    assert path == "landing/activity/company=acme/user=ada/date=2026-11-26/batch-1.parquet"


def test_sealed_images_have_their_own_table_and_extension() -> None:
    path = landing_path("images", "acme", "ada", DAY, "cap_1", "jpeg.sealed")
    assert path == "landing/images/company=acme/user=ada/date=2026-11-26/cap_1.jpeg.sealed"


@pytest.mark.parametrize(
    ("table", "ext"),
    [("images", "parquet"), ("images", "gif.sealed"), ("activity", "csv"), ("logs", "parquet")],
)
def test_wrong_table_or_extension_is_refused(table: str, ext: str) -> None:
    with pytest.raises(LayoutError):
        landing_path(table, "acme", "ada", DAY, "x", ext)


@pytest.mark.parametrize("bad", ["", "a/b", "a=b", "..", "a.b", "x" * 65, "é"])
def test_unsafe_ids_are_refused(bad: str) -> None:
    with pytest.raises(LayoutError, match="not a valid id"):
        landing_path("activity", "acme", bad, DAY, "batch", "parquet")
    with pytest.raises(LayoutError):
        landing_path("activity", bad, "ada", DAY, "batch", "parquet")


def test_parse_reverses_landing_path() -> None:
    path = landing_path("images", "acme", "ada", DAY, "cap-9", "webp.sealed")
    assert parse_landing_path(path) == LandingKey(
        "images", "acme", "ada", DAY, "cap-9", "webp.sealed"
    )


@pytest.mark.parametrize(
    "path",
    [
        "curated/activity/company=acme/date=2026-11-26/part-0.parquet",
        "landing/activity/company=acme/user=ada/date=2026-13-40/b.parquet",
        "landing/activity/company=acme/user=a/b/date=2026-11-26/b.parquet",
        "landing/activity/company=acme/user=ada/date=2026-11-26/b.csv",
        "landing/activity/company=../user=ada/date=2026-11-26/b.parquet",
    ],
)
def test_parse_rejects_what_is_not_a_landing_path(path: str) -> None:
    with pytest.raises(LayoutError):
        parse_landing_path(path)


def test_user_glob_covers_own_objects_only() -> None:
    glob = user_landing_glob("acme", "ada")
    own = [
        landing_path("activity", "acme", "ada", DAY, "b", "parquet"),
        landing_path("images", "acme", "ada", DAY, "c", "png.sealed"),
    ]
    others = [
        landing_path("activity", "acme", "bob", DAY, "b", "parquet"),
        landing_path("activity", "other", "ada", DAY, "b", "parquet"),
        "curated/activity/company=acme/date=2026-11-26/part-0.parquet",
    ]
    assert all(fnmatch.fnmatch(p, glob) for p in own)
    assert not any(fnmatch.fnmatch(p, glob) for p in others)
