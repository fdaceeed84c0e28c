"""The writing side of the lake: what collectors import. It needs only a company's public key.

Kept light on purpose (it runs on employees' machines): pyarrow, fsspec and cryptography only;
never DuckDB or Polars.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.crypto.envelope import seal_image
from lakehouse.crypto.pme import write_encrypted
from lakehouse.errors import SchemaError
from lakehouse.keys import CompanyPublicKey
from lakehouse.layout import IMAGE_FORMATS, check_id, landing_path
from lakehouse.validation import Rows, validate_table

if TYPE_CHECKING:
    from lakehouse.storage import Store

log = logging.getLogger(__name__)

__all__ = ["LandingWriter", "encrypt_table", "seal_image"]


def encrypt_table(table_name: str, rows: Rows, public_key: CompanyPublicKey) -> bytes:
    """Validate records against the table's schema and return them as encrypted Parquet bytes.

    Raises `SchemaError` listing what is wrong (by column and row count, never by value).
    """
    return write_encrypted(validate_table(table_name, rows), public_key)


class LandingWriter:
    """Writes one user's batches and images into the lake's landing area."""

    def __init__(
        self, store: Store, public_key: CompanyPublicKey, company_id: str, user_id: str
    ) -> None:
        if public_key.company_id != company_id:
            raise SchemaError(
                "landing", [f"the public key belongs to company {public_key.company_id!r}"]
            )
        self.store = store
        self.public_key = public_key
        self.company_id = check_id(company_id, "company id")
        self.user_id = check_id(user_id, "user id")

    def write_table(self, table_name: str, rows: Rows, batch_id: str, day: dt.date) -> str:
        """Encrypt and store one batch; return its landing path. Re-writing a batch replaces it."""
        table = validate_table(table_name, rows)
        self._check_identity(table_name, table)
        path = landing_path(table_name, self.company_id, self.user_id, day, batch_id, "parquet")
        self.store.put_bytes(path, write_encrypted(table, self.public_key))
        log.info("wrote %d %s rows as %s", table.num_rows, table_name, path)
        return path

    def write_image(self, capture_id: str, image: bytes, fmt: str, day: dt.date) -> str:
        """Seal and store one encoded image; return its landing path."""
        if fmt not in IMAGE_FORMATS:
            raise SchemaError("images", [f"format must be one of {', '.join(IMAGE_FORMATS)}"])
        path = landing_path(
            "images", self.company_id, self.user_id, day, capture_id, f"{fmt}.sealed"
        )
        self.store.put_bytes(path, seal_image(image, self.public_key, path))
        return path

    def _check_identity(self, table_name: str, table: pa.Table) -> None:
        problems = []
        for column, expected in (("company_id", self.company_id), ("user_id", self.user_id)):
            if not pc.all(pc.equal(table[column], expected)).as_py():
                problems.append(f"{column!r} differs from this writer's {expected!r}")
        if problems:
            raise SchemaError(table_name, problems)
