"""Encryption of lake objects: Parquet files (PME) and sealed images (envelopes).

The writing side needs only a company's public key; the reading side needs a key store.
"""

from lakehouse.crypto.envelope import open_image, read_header, seal_image
from lakehouse.crypto.kms import PublicKeyKmsClient, master_key_id
from lakehouse.crypto.pme import (
    dataset_decryption_config,
    decryption_properties,
    encryption_properties,
    read_encrypted,
    write_encrypted,
)

__all__ = [
    "PublicKeyKmsClient",
    "dataset_decryption_config",
    "decryption_properties",
    "encryption_properties",
    "master_key_id",
    "open_image",
    "read_encrypted",
    "read_header",
    "seal_image",
    "write_encrypted",
]
