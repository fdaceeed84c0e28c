"""TeamTreck's lakehouse: the data contract, encrypted storage, compaction and queries.

The names below are the public API (notebooks and the other parts import only these). Every
name is loaded on first use (PEP 562), so ``import lakehouse`` or ``from lakehouse.keys import
…`` loads neither DuckDB and Polars (readers) nor pyarrow (Parquet): a collector, which only
checks and seals rows and images, never loads them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakehouse import metrics, queries
    from lakehouse.compaction import CompactionSummary, compact
    from lakehouse.crypto import (
        dataset_decryption_config,
        decryption_properties,
        encryption_properties,
        open_image,
        read_encrypted,
    )
    from lakehouse.engine import Lake, connect, open_lake
    from lakehouse.erasure import ErasureReport, erase_user, find_remains
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
    from lakehouse.retention import PurgeReport, purge, retention_days, set_retention_days
    from lakehouse.schema import ACTIVITY, SCHEMA_VERSION, SCREENSHOTS, SESSIONS, TABLES
    from lakehouse.simulate import SimulationReport, simulate
    from lakehouse.storage import Store, default_lake_url, open_store
    from lakehouse.validation import validate_table
    from lakehouse.writer import LandingWriter, encrypt_table, seal_image

# module -> the public names it provides; each is imported on first use of one of its names.
_PROVIDERS: dict[str, tuple[str, ...]] = {
    "lakehouse.compaction": ("CompactionSummary", "compact"),
    "lakehouse.crypto": (
        "dataset_decryption_config",
        "decryption_properties",
        "encryption_properties",
        "open_image",
        "read_encrypted",
    ),
    "lakehouse.engine": ("Lake", "connect", "open_lake"),
    "lakehouse.erasure": ("ErasureReport", "erase_user", "find_remains"),
    "lakehouse.errors": (
        "DecryptionError",
        "InsecureKeyStoreError",
        "KeyNotFoundError",
        "KeyStoreError",
        "LakehouseError",
        "LayoutError",
        "MissingKeyError",
        "ObjectNotFoundError",
        "SchemaError",
        "StorageError",
        "TamperedDataError",
    ),
    "lakehouse.home": ("teamtreck_home",),
    "lakehouse.keys": (
        "CompanyKeyPair",
        "CompanyPublicKey",
        "FileKeyStore",
        "KeyInfo",
        "KeyStore",
        "MemoryKeyStore",
        "generate_company_key",
    ),
    "lakehouse.layout": ("LandingKey", "landing_path", "parse_landing_path", "user_landing_glob"),
    "lakehouse.retention": ("PurgeReport", "purge", "retention_days", "set_retention_days"),
    "lakehouse.schema": ("ACTIVITY", "SCHEMA_VERSION", "SCREENSHOTS", "SESSIONS", "TABLES"),
    "lakehouse.simulate": ("SimulationReport", "simulate"),
    "lakehouse.storage": ("Store", "default_lake_url", "open_store"),
    "lakehouse.validation": ("validate_table",),
    "lakehouse.writer": ("LandingWriter", "encrypt_table", "seal_image"),
}
_LAZY: dict[str, str] = {name: module for module, names in _PROVIDERS.items() for name in names}
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
