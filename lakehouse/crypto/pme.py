"""Parquet Modular Encryption of lake files (pyarrow), with company keys.

Every column and the footer are encrypted (uniform encryption, 256-bit data keys); the footer's
key material, readable without keys, names only the company and key id. Double wrapping means
one public-key operation per key-encryption key rather than per file.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

from lakehouse.crypto.kms import PublicKeyKmsClient, master_key_id
from lakehouse.errors import DecryptionError, TamperedDataError
from lakehouse.keys import CompanyPublicKey, KeyStore

if TYPE_CHECKING:
    import pyarrow.dataset as ds

_KEK_CACHE = dt.timedelta(hours=1)
SMALL_TABLE_ROWS = 1_000
ENCRYPTED_FOOTER_MAGIC = b"PARE"  # the last bytes of a Parquet file with an encrypted footer


@functools.lru_cache(maxsize=16)
def _writer_factory(public_key: CompanyPublicKey) -> pe.CryptoFactory:
    # One factory per key keeps its cached key-encryption key: one X25519 wrap per hour.
    return pe.CryptoFactory(lambda _config: PublicKeyKmsClient(public_key, None))


def encryption_properties(public_key: CompanyPublicKey) -> pe.FileEncryptionProperties:
    """Return pyarrow properties that encrypt a whole file for the company's public key."""
    config = pe.EncryptionConfiguration(
        footer_key=master_key_id(public_key),
        uniform_encryption=True,
        double_wrapping=True,
        data_key_length_bits=256,
        cache_lifetime=_KEK_CACHE,
    )
    return _writer_factory(public_key).file_encryption_properties(pe.KmsConnectionConfig(), config)


_reader_factories: dict[int, tuple[KeyStore, pe.CryptoFactory]] = {}
_reader_lock = threading.Lock()


def _reader_factory(key_store: KeyStore) -> pe.CryptoFactory:
    # One factory per key store for the whole process: unwrapped key-encryption keys are cached
    # (one private-key operation per KEK and hour). pyarrow guards its caches with locks and
    # calls the KMS client with the GIL held, so several reading threads may share it.
    with _reader_lock:
        cached = _reader_factories.get(id(key_store))
        if cached is None or cached[0] is not key_store:
            factory = pe.CryptoFactory(lambda _config: PublicKeyKmsClient(None, key_store))
            cached = _reader_factories[id(key_store)] = (key_store, factory)
        return cached[1]


def decryption_properties(key_store: KeyStore) -> pe.FileDecryptionProperties:
    """Return pyarrow properties that decrypt lake files with the key store's private keys."""
    config = pe.DecryptionConfiguration(cache_lifetime=_KEK_CACHE)
    factory = _reader_factory(key_store)
    return factory.file_decryption_properties(pe.KmsConnectionConfig(), config)


def dataset_decryption_config(key_store: KeyStore) -> ds.ParquetDecryptionConfig:
    """Return the decryption config for a `pyarrow.dataset` over lake files."""
    import pyarrow.dataset as ds

    return ds.ParquetDecryptionConfig(
        _reader_factory(key_store),
        pe.KmsConnectionConfig(),
        pe.DecryptionConfiguration(cache_lifetime=_KEK_CACHE),
    )


def write_encrypted(table: pa.Table, public_key: CompanyPublicKey, **options: Any) -> bytes:
    """Write a table as encrypted Parquet and return the file's bytes.

    Compression defaults to zstd from `SMALL_TABLE_ROWS` rows on; below that, none: a
    two-minute batch does not shrink (per-column encryption metadata dominates) and zstd's
    per-column set-up would double the time. Pass ``compression=…`` to choose.
    """
    sink = pa.BufferOutputStream()
    options.setdefault("compression", "zstd" if table.num_rows >= SMALL_TABLE_ROWS else "none")
    pq.write_table(table, sink, encryption_properties=encryption_properties(public_key), **options)
    return bytes(sink.getvalue().to_pybytes())


def read_encrypted(data: bytes, key_store: KeyStore) -> pa.Table:
    """Decrypt and read a whole encrypted Parquet file.

    Raises `MissingKeyError` without the right private key and `TamperedDataError` when the
    file is damaged, altered or not encrypted by us (plain Parquet is refused too: pyarrow
    would read it happily, but nothing unencrypted belongs in the lake).
    """
    if data[-4:] != ENCRYPTED_FOOTER_MAGIC:
        raise TamperedDataError(
            "this is not an encrypted lake file (no encrypted Parquet footer); it was not "
            "written by a TeamTreck writer and is refused."
        )
    try:
        return pq.read_table(
            pa.BufferReader(data), decryption_properties=decryption_properties(key_store)
        )
    except DecryptionError:
        raise
    except (OSError, pa.ArrowException) as e:
        raise TamperedDataError(
            f"the Parquet file could not be decrypted ({e}); it is damaged, altered, "
            "or not an encrypted lake file."
        ) from e
