"""Parquet Modular Encryption of lake files: who can read, rotation, tampering."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehouse.crypto import dataset_decryption_config, decryption_properties, read_encrypted
from lakehouse.errors import MissingKeyError, TamperedDataError
from lakehouse.keys import CompanyKeyPair, FileKeyStore, MemoryKeyStore, generate_company_key
from lakehouse.writer import encrypt_table
from tests.lakehouse.rows import activity_rows


def test_without_keys_the_file_does_not_even_open(company_pair: CompanyKeyPair) -> None:
    data = encrypt_table("activity", activity_rows(), company_pair.public)
    with pytest.raises(OSError, match="encrypted"):
        pq.read_metadata(pa.BufferReader(data))  # the footer (schema, statistics) is encrypted too


def test_another_companys_keys_do_not_open_it(company_pair: CompanyKeyPair) -> None:
    data = encrypt_table("activity", activity_rows(), company_pair.public)
    other = MemoryKeyStore()
    other.save(generate_company_key("acme"))  # same company name, different key
    with pytest.raises(MissingKeyError, match=company_pair.public.key_id):
        read_encrypted(data, other)


def test_rotation_new_data_new_key_old_data_still_opens(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    old_rows, new_rows = activity_rows(2), activity_rows(3)
    old_file = encrypt_table("activity", old_rows, company_pair.public)
    new_key = key_store.rotate("acme")
    new_file = encrypt_table("activity", new_rows, key_store.current_public_key("acme"))
    assert read_encrypted(old_file, key_store).to_pylist() == old_rows
    assert read_encrypted(new_file, key_store).to_pylist() == new_rows
    only_new = MemoryKeyStore()
    only_new.save(
        CompanyKeyPair(
            new_key, key_store.private_key("acme", new_key.key_id), company_pair.created_at
        )
    )
    assert read_encrypted(new_file, only_new).num_rows == 3
    with pytest.raises(MissingKeyError):
        read_encrypted(old_file, only_new)


@pytest.mark.parametrize("where", [0.3, 0.6, -40])
def test_a_flipped_byte_is_detected(
    company_pair: CompanyKeyPair, key_store: FileKeyStore, where: float
) -> None:
    data = bytearray(encrypt_table("activity", activity_rows(), company_pair.public))
    data[int(len(data) * where) if where > 0 else int(where)] ^= 0x01
    with pytest.raises(TamperedDataError):
        read_encrypted(bytes(data), key_store)


def test_plain_or_truncated_files_are_refused(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    data = encrypt_table("activity", activity_rows(), company_pair.public)
    with pytest.raises(TamperedDataError):
        read_encrypted(data[: len(data) // 2], key_store)
    plain = pa.BufferOutputStream()
    pq.write_table(pa.table({"title": ["x"]}), plain)
    with pytest.raises(TamperedDataError):
        read_encrypted(plain.getvalue().to_pybytes(), key_store)


def test_decryption_properties_work_with_plain_pyarrow(
    company_pair: CompanyKeyPair, key_store: FileKeyStore, tmp_path: Path
) -> None:
    import pyarrow.dataset as ds

    rows, folder = activity_rows(5), tmp_path / "files"
    folder.mkdir()
    for i in range(2):
        (folder / f"{i}.parquet").write_bytes(encrypt_table("activity", rows, company_pair.public))
    properties = decryption_properties(key_store)
    assert pq.read_table(folder / "0.parquet", decryption_properties=properties).num_rows == 5
    options = ds.ParquetFragmentScanOptions(decryption_config=dataset_decryption_config(key_store))
    dataset = ds.dataset(folder, format=ds.ParquetFileFormat(default_fragment_scan_options=options))
    assert dataset.to_table(filter=ds.field("keystrokes") >= 43).num_rows == 2 * 2


def test_the_writers_own_kms_client_refuses_to_unwrap(company_pair: CompanyKeyPair) -> None:
    import pyarrow.parquet.encryption as pe

    from lakehouse.crypto.pme import _writer_factory

    data = encrypt_table("activity", activity_rows(), company_pair.public)
    writer_side = _writer_factory(company_pair.public).file_decryption_properties(
        pe.KmsConnectionConfig(), pe.DecryptionConfiguration()
    )
    with pytest.raises(MissingKeyError, match="holds only the company public key"):
        pq.read_table(pa.BufferReader(data), decryption_properties=writer_side)


def test_several_threads_read_with_one_key_store(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    files = [encrypt_table("activity", activity_rows(3), company_pair.public) for _ in range(24)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda data: read_encrypted(data, key_store).num_rows, files))
    assert counts == [3] * 24


def test_the_key_id_is_readable_without_keys(company_pair: CompanyKeyPair) -> None:
    # The key material (the only clear part of the file) names the company key to ask for.
    data = encrypt_table("activity", activity_rows(), company_pair.public)
    assert f'"masterKeyID":"teamtreck:acme:{company_pair.public.key_id}"'.encode() in data
    assert f'"wrappedKEK":"ttw1.{company_pair.public.key_id}.'.encode() in data
    assert b"activity" not in data  # but not even the table's name is readable
