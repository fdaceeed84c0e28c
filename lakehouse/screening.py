"""Row checks compaction runs on a chunk of landing files at once (pure: no I/O).

Each check yields a mask over the chunk's rows; a file fails with the first check any of its rows
fails, in this order: forged ids (company or user inside ≠ path), absurd values (the contract's
value rules from `lakehouse.validation`, plus timestamps far from the date in the path), and
screenshot rows naming an image outside the same user's landing prefix.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.layout import LandingKey
from lakehouse.quarantine import Reason
from lakehouse.validation import invalid_rows

if TYPE_CHECKING:
    from lakehouse.intake import Limits

_IMAGE_PATH = (
    r"^landing/images/company=(?P<company>[A-Za-z0-9_-]{1,64})/user=(?P<user>[A-Za-z0-9_-]{1,64})"
    r"/date=\d{4}-\d{2}-\d{2}/[A-Za-z0-9_-]{1,64}\.[a-z0-9]{1,12}\.sealed$"
)


def _per_row(values: list[str], file_index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(file_index))


def _forged(
    rows: pa.Table, file_index: np.ndarray, keys: list[LandingKey]
) -> list[tuple[str, pa.Array]]:
    companies = _per_row([k.company_id for k in keys], file_index)
    users = _per_row([k.user_id for k in keys], file_index)
    return [
        ("rows name another company than the path", pc.not_equal(rows["company_id"], companies)),
        ("rows name another user than the path", pc.not_equal(rows["user_id"], users)),
    ]


def _far_from_path_date(
    rows: pa.Table, file_index: np.ndarray, keys: list[LandingKey], limits: Limits
) -> pa.Array:
    midnight_us = np.array(
        [int(dt.datetime.combine(k.day, dt.time(), dt.UTC).timestamp()) * 1_000_000 for k in keys],
        dtype=np.int64,
    )[file_index]
    ts_us = rows["ts"].to_numpy().astype("datetime64[us]").astype(np.int64)
    skew_us = int(limits.max_path_skew.total_seconds() * 1_000_000)
    day_us = 86_400 * 1_000_000
    return pa.array((ts_us < midnight_us - skew_us) | (ts_us > midnight_us + day_us + skew_us))


def _foreign_images(rows: pa.Table, file_index: np.ndarray, keys: list[LandingKey]) -> pa.Array:
    parts = pc.extract_regex(rows["object_path"], _IMAGE_PATH)
    companies = _per_row([k.company_id for k in keys], file_index)
    users = _per_row([k.user_id for k in keys], file_index)
    same = pc.and_(
        pc.equal(pc.struct_field(parts, "company"), companies),
        pc.equal(pc.struct_field(parts, "user"), users),
    )
    return pc.invert(pc.fill_null(same, False))


def row_problems(
    table_name: str,
    rows: pa.Table,
    file_index: np.ndarray,
    keys: list[LandingKey],
    limits: Limits,
    now: dt.datetime,
) -> dict[int, tuple[Reason, str]]:
    """Return {file number: (reason, detail)} for every file of the chunk some row fails."""
    checks: list[tuple[Reason, str, pa.Array]] = [
        (Reason.FORGED, problem, mask) for problem, mask in _forged(rows, file_index, keys)
    ]
    checks += [(Reason.ABSURD_VALUES, problem, mask) for problem, mask in invalid_rows(rows, now)]
    checks.append(
        (
            Reason.ABSURD_VALUES,
            "'ts' is far from the date in the path",
            _far_from_path_date(rows, file_index, keys, limits),
        )
    )
    if table_name == "screenshots":
        checks.append(
            (
                Reason.FOREIGN_IMAGE,
                "'object_path' is not an image under this user's prefix",
                _foreign_images(rows, file_index, keys),
            )
        )
    found: dict[int, tuple[Reason, str]] = {}
    for reason, problem, mask in checks:
        hit = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        for i in np.unique(file_index[hit]).tolist():
            found.setdefault(int(i), (reason, problem))
    return found
