"""TeamTreck's lakehouse: the data contract, encrypted storage, compaction and queries.

The names below are the public API (notebooks and the other parts import only these). Light
modules are imported eagerly; readers that pull in DuckDB or Polars are loaded on first use, so
``import lakehouse`` stays cheap on an employee's machine.
"""

from __future__ import annotations

import importlib
from typing import Any

from lakehouse.crypto import (
    dataset_decryption_config,
    decryption_properties,
    encryption_properties,
    open_image,
    read_encrypted,
)
from lakehouse.errors import (
    DecryptionError,
    InsecureKeyStoreError,
    KeyNotFoundError,
    KeyStoreError,
    LakehouseError,
    LayoutError,
    MissingKeyError,
    ObjectNotFoundError,
    SchemaError,
    StorageError,
    TamperedDataError,
)
from lakehouse.home import teamtreck_home
from lakehouse.keys import (
    CompanyKeyPair,
    CompanyPublicKey,
    FileKeyStore,
    KeyInfo,
    KeyStore,
    MemoryKeyStore,
    generate_company_key,
)
from lakehouse.layout import LandingKey, landing_path, parse_landing_path, user_landing_glob
from lakehouse.schema import ACTIVITY, SCHEMA_VERSION, SCREENSHOTS, SESSIONS, TABLES
from lakehouse.storage import Store, default_lake_url, open_store
from lakehouse.validation import validate_table
from lakehouse.writer import LandingWriter, encrypt_table, seal_image

# name -> module, for public names whose modules import heavy readers (DuckDB, Polars).
_LAZY: dict[str, str] = {}

__all__ = [
    "ACTIVITY",
    "SCHEMA_VERSION",
    "SCREENSHOTS",
    "SESSIONS",
    "TABLES",
    "CompanyKeyPair",
    "CompanyPublicKey",
    "DecryptionError",
    "FileKeyStore",
    "InsecureKeyStoreError",
    "KeyInfo",
    "KeyNotFoundError",
    "KeyStore",
    "KeyStoreError",
    "LakehouseError",
    "LandingKey",
    "LandingWriter",
    "LayoutError",
    "MemoryKeyStore",
    "MissingKeyError",
    "ObjectNotFoundError",
    "SchemaError",
    "StorageError",
    "Store",
    "TamperedDataError",
    "dataset_decryption_config",
    "decryption_properties",
    "default_lake_url",
    "encrypt_table",
    "encryption_properties",
    "generate_company_key",
    "landing_path",
    "open_image",
    "open_store",
    "parse_landing_path",
    "read_encrypted",
    "seal_image",
    "teamtreck_home",
    "user_landing_glob",
    "validate_table",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lakehouse' has no attribute {name!r}")
