"""Where each object lives in the lake (pure: no I/O).

Collectors write append-only objects under ``landing/``::

    landing/<table>/company=<c>/user=<u>/date=<YYYY-MM-DD>/<object_id>.<ext>

Tables are ``activity``, ``screenshots`` and ``sessions`` and ``images`` for sealed screenshots
(ext ``<fmt>.sealed``, e.g. ``jpeg.sealed``). A table's object is either a batch, encrypted
Parquet named by its batch id (ext ``parquet``), or one sealed row named by its row id (ext
``row.sealed``): a row a collector journaled but could not deliver in a batch (it crashed, or
its batch writer failed). Compaction reads both kinds the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from lakehouse.errors import LayoutError

LANDING: Final = "landing"
LANDING_TABLES: Final = ("activity", "screenshots", "sessions", "images")
IMAGE_FORMATS: Final = ("jpeg", "webp", "png")
BATCH_EXT: Final = "parquet"
SEALED_ROW_EXT: Final = "row.sealed"
ROW_EXTS: Final = (BATCH_EXT, SEALED_ROW_EXT)
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EXT = re.compile(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,12})?")
_LANDING_PATH = re.compile(
    r"landing/(?P<table>[a-z]+)/company=(?P<company>[^/]+)/user=(?P<user>[^/]+)"
    r"/date=(?P<day>\d{4}-\d{2}-\d{2})/(?P<object>[^/.]+)\.(?P<ext>[^/]+)"
)


@dataclass(frozen=True)
class LandingKey:
    """The parts of a landing path."""

    table: str
    company_id: str
    user_id: str
    day: dt.date
    object_id: str
    ext: str


def check_id(value: str, what: str = "id") -> str:
    """Return `value` if it is a safe id (`[A-Za-z0-9_-]{1,64}`), else raise `LayoutError`."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise LayoutError(
            f"{what} {value!r} is not a valid id: use 1-64 letters, digits, '_' or '-'."
        )
    return value


def _check_table(table: str) -> str:
    if table not in LANDING_TABLES:
        raise LayoutError(f"unknown table {table!r}: expected one of {', '.join(LANDING_TABLES)}.")
    return table


def _check_ext(table: str, ext: str) -> str:
    if not _EXT.fullmatch(ext):
        raise LayoutError(f"extension {ext!r} is not valid: use lowercase letters and digits.")
    if table == "images":
        fmt, _, suffix = ext.partition(".")
        if suffix != "sealed" or fmt not in IMAGE_FORMATS:
            raise LayoutError(f"images need the extension '<fmt>.sealed', got {ext!r}.")
    elif ext not in ROW_EXTS:
        raise LayoutError(
            f"table {table!r} holds Parquet batches ({BATCH_EXT!r}) and sealed rows "
            f"({SEALED_ROW_EXT!r}) only, got extension {ext!r}."
        )
    return ext


def landing_path(
    table: str, company_id: str, user_id: str, day: dt.date, object_id: str, ext: str
) -> str:
    """Return the landing path of one object, relative to the lake root."""
    _check_table(table)
    check_id(company_id, "company id")
    check_id(user_id, "user id")
    check_id(object_id, "object id")
    _check_ext(table, ext)
    return (
        f"{LANDING}/{table}/company={company_id}/user={user_id}/"
        f"date={day.isoformat()}/{object_id}.{ext}"
    )


def user_landing_glob(company_id: str, user_id: str) -> str:
    """Return the glob of everything one user's collector may write (used for storage grants)."""
    check_id(company_id, "company id")
    check_id(user_id, "user id")
    return f"{LANDING}/*/company={company_id}/user={user_id}/*"


def parse_landing_path(path: str) -> LandingKey:
    """Split a landing path (relative to the lake root) into its parts, or raise `LayoutError`."""
    match = _LANDING_PATH.fullmatch(path.strip("/"))
    if match is None:
        raise LayoutError(
            f"{path!r} is not a landing path: expected "
            "landing/<table>/company=<c>/user=<u>/date=<YYYY-MM-DD>/<id>.<ext>."
        )
    try:
        day = dt.date.fromisoformat(match["day"])
    except ValueError as e:
        raise LayoutError(f"{path!r} has an invalid date: {e}.") from e
    landing_path(
        match["table"], match["company"], match["user"], day, match["object"], match["ext"]
    )
    return LandingKey(
        match["table"], match["company"], match["user"], day, match["object"], match["ext"]
    )
