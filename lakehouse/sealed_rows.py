"""Sealed rows: one row as a landing object of its own, sealed like a screenshot.

A collector journals every row this way the moment it is taken (fresh AES-256-GCM key, wrapped
for the company public key, the landing path bound into the associated data), so it needs no
Arrow and cannot read its own journal back. A row its batch did not deliver (a crash, a failed
batch writer) is uploaded as it is, at ``landing/<table>/…/<row id>.row.sealed``; compaction
opens it with the private key and checks it like a row of any batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lakehouse.crypto.envelope import open_sealed, seal
from lakehouse.keys import CompanyPublicKey, KeyStore
from lakehouse.layout import SEALED_ROW_EXT, landing_path, parse_landing_path
from lakehouse.row_json import dumps_row, loads_row


def sealed_row_path(
    table_name: str, company_id: str, user_id: str, day: dt.date, row_id: str
) -> str:
    """Return the landing path of one sealed row (named by its row id)."""
    return landing_path(table_name, company_id, user_id, day, row_id, SEALED_ROW_EXT)


def seal_row(row: Mapping[str, Any], public_key: CompanyPublicKey, object_path: str) -> bytes:
    """Encrypt one row for the company, bound to the landing path it will be stored at."""
    return seal(dumps_row(row), public_key, object_path)


def open_row(sealed: bytes, key_store: KeyStore, object_path: str) -> dict[str, Any]:
    """Decrypt a sealed row stored at `object_path` and return it (not yet checked).

    Raises `MissingKeyError` without the private key, `TamperedDataError` when the object was
    altered or moved, and `SchemaError` when what it holds is not a row of its table.
    """
    table_name = parse_landing_path(object_path).table
    return loads_row(table_name, open_sealed(sealed, key_store, object_path))
