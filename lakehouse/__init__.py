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

# name -> module, for public names whose modules import heavy readers (DuckDB, Polars, numpy).
_LAZY: dict[str, str] = {
    "CompactionSummary": "lakehouse.compaction",
    "ErasureReport": "lakehouse.erasure",
    "Lake": "lakehouse.engine",
    "PurgeReport": "lakehouse.retention",
    "SimulationReport": "lakehouse.simulate",
    "compact": "lakehouse.compaction",
    "connect": "lakehouse.engine",
    "erase_user": "lakehouse.erasure",
    "find_remains": "lakehouse.erasure",
    "open_lake": "lakehouse.engine",
    "purge": "lakehouse.retention",
    "retention_days": "lakehouse.retention",
    "set_retention_days": "lakehouse.retention",
    "simulate": "lakehouse.simulate",
}
# Modules reachable as attributes (``lakehouse.metrics.daily_summary(...)``), imported on first use.
_LAZY_MODULES = ("metrics", "queries")

__all__ = [
    "ACTIVITY",
    "SCHEMA_VERSION",
    "SCREENSHOTS",
    "SESSIONS",
    "TABLES",
    "CompactionSummary",
    "CompanyKeyPair",
    "CompanyPublicKey",
    "DecryptionError",
    "ErasureReport",
    "FileKeyStore",
    "InsecureKeyStoreError",
    "KeyInfo",
    "KeyNotFoundError",
    "KeyStore",
    "KeyStoreError",
    "Lake",
    "LakehouseError",
    "LandingKey",
    "LandingWriter",
    "LayoutError",
    "MemoryKeyStore",
    "MissingKeyError",
    "ObjectNotFoundError",
    "PurgeReport",
    "SchemaError",
    "SimulationReport",
    "StorageError",
    "Store",
    "TamperedDataError",
    "compact",
    "connect",
    "dataset_decryption_config",
    "decryption_properties",
    "default_lake_url",
    "encrypt_table",
    "encryption_properties",
    "erase_user",
    "find_remains",
    "generate_company_key",
    "landing_path",
    "metrics",
    "open_image",
    "open_lake",
    "open_store",
    "parse_landing_path",
    "purge",
    "queries",
    "read_encrypted",
    "retention_days",
    "seal_image",
    "set_retention_days",
    "simulate",
    "teamtreck_home",
    "user_landing_glob",
    "validate_table",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _LAZY_MODULES:
        return importlib.import_module(f"lakehouse.{name}")
    raise AttributeError(f"module 'lakehouse' has no attribute {name!r}")
