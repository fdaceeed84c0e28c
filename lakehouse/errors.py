"""The lakehouse's exceptions.

Every error the package raises on purpose derives from `LakehouseError`, so a caller can catch
the whole family in one place; library errors (pyarrow, fsspec, cryptography) are translated at
the boundary (`raise ... from e`)::

    LakehouseError
    ├── LayoutError             a path or id does not follow the lake's layout
    ├── SchemaError             records do not match the data contract (what is wrong is listed)
    ├── StorageError            the object store could not be reached, read or written
    │   └── ObjectNotFoundError     no object at that path
    ├── LeaseHeldError          another process is compacting, purging or erasing in this lake
    ├── KeyStoreError           the key store cannot be used
    │   ├── InsecureKeyStoreError   its folder or files are readable by others
    │   └── KeyNotFoundError        no key for that company / key id
    └── DecryptionError         encrypted data could not be opened
        ├── MissingKeyError         the private key is not available (e.g. a writer holds only
        │                           the public key, or the key id is unknown to the key store)
        └── TamperedDataError       the data was altered, truncated, moved or is not ours
"""

from __future__ import annotations


class LakehouseError(Exception):
    """Base of every error raised on purpose by the lakehouse."""


class LayoutError(LakehouseError, ValueError):
    """A path or id does not follow the lake's layout."""


class SchemaError(LakehouseError, ValueError):
    """Records do not match the data contract; `problems` lists what is wrong."""

    def __init__(self, table_name: str, problems: list[str]) -> None:
        self.table_name = table_name
        self.problems = problems
        listed = "; ".join(problems)
        super().__init__(
            f"{table_name!r} records do not match the data contract: {listed}. "
            "Fix the records (see lakehouse.schema) and write them again."
        )


class StorageError(LakehouseError, OSError):
    """The object store could not be reached, read or written."""


class ObjectNotFoundError(StorageError, FileNotFoundError):
    """No object at that path."""


class KeyStoreError(LakehouseError):
    """The key store cannot be used."""


class InsecureKeyStoreError(KeyStoreError):
    """The key store's folder or files are readable or writable by others."""


class KeyNotFoundError(KeyStoreError, LookupError):
    """No key for that company or key id."""


class DecryptionError(LakehouseError):
    """Encrypted data could not be opened."""


class MissingKeyError(DecryptionError):
    """The private key needed to open the data is not available here."""


class TamperedDataError(DecryptionError):
    """The data was altered, truncated, moved to another path, or is not a lake object."""


class LeaseHeldError(LakehouseError):
    """Another process holds the lake's lease for a job that must run alone (e.g. compaction)."""
