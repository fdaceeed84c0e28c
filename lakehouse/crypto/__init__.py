"""Encryption of lake objects: Parquet files (PME) and sealed objects (envelopes).

The writing side needs only a company's public key; the reading side needs a key store.
Sealing needs no Arrow, so the Parquet names (which load pyarrow) are imported on first use:
a collector seals rows and images without ever loading pyarrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lakehouse.crypto.envelope import open_image, open_sealed, read_header, seal, seal_image

if TYPE_CHECKING:
    from lakehouse.crypto.kms import PublicKeyKmsClient, master_key_id
    from lakehouse.crypto.pme import (
        dataset_decryption_config,
        decryption_properties,
        encryption_properties,
        read_encrypted,
        write_encrypted,
    )

_LAZY: dict[str, str] = {
    "PublicKeyKmsClient": "lakehouse.crypto.kms",
    "master_key_id": "lakehouse.crypto.kms",
    "dataset_decryption_config": "lakehouse.crypto.pme",
    "decryption_properties": "lakehouse.crypto.pme",
    "encryption_properties": "lakehouse.crypto.pme",
    "read_encrypted": "lakehouse.crypto.pme",
    "write_encrypted": "lakehouse.crypto.pme",
}

__all__ = [
    "PublicKeyKmsClient",
    "dataset_decryption_config",
    "decryption_properties",
    "encryption_properties",
    "master_key_id",
    "open_image",
    "open_sealed",
    "read_encrypted",
    "read_header",
    "seal",
    "seal_image",
    "write_encrypted",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lakehouse.crypto' has no attribute {name!r}")
