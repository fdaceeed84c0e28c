"""Sealed images: only the key store opens them, and only at the path they were sealed for."""

from __future__ import annotations

import os

import pytest

from lakehouse.crypto import open_image, read_header, seal_image
from lakehouse.errors import MissingKeyError, TamperedDataError
from lakehouse.keys import CompanyKeyPair, FileKeyStore, MemoryKeyStore

PATH = "landing/images/company=acme/user=ada/date=2026-11-26/cap-1.jpeg.sealed"
OTHER_PATH = "landing/images/company=acme/user=ada/date=2026-11-26/cap-2.jpeg.sealed"
IMAGE = os.urandom(200_000)


def test_seal_and_open(company_pair: CompanyKeyPair, key_store: FileKeyStore) -> None:
    sealed = seal_image(IMAGE, company_pair.public, PATH)
    assert IMAGE[:64] not in sealed
    assert open_image(sealed, key_store, PATH) == IMAGE


def test_each_image_gets_a_fresh_key(company_pair: CompanyKeyPair) -> None:
    first, second = (seal_image(IMAGE, company_pair.public, PATH) for _ in range(2))
    assert read_header(first).wrapped_key != read_header(second).wrapped_key
    assert first[-1000:] != second[-1000:]


def test_header_names_version_company_and_key(company_pair: CompanyKeyPair) -> None:
    header = read_header(seal_image(b"img", company_pair.public, PATH))
    assert (header.version, header.company_id, header.key_id) == (
        1,
        "acme",
        company_pair.public.key_id,
    )


def test_a_moved_blob_does_not_open(company_pair: CompanyKeyPair, key_store: FileKeyStore) -> None:
    sealed = seal_image(IMAGE, company_pair.public, PATH)
    with pytest.raises(TamperedDataError):
        open_image(sealed, key_store, OTHER_PATH)


def test_swapped_blobs_do_not_open(company_pair: CompanyKeyPair, key_store: FileKeyStore) -> None:
    first = seal_image(b"first", company_pair.public, PATH)
    second = seal_image(b"second", company_pair.public, OTHER_PATH)
    with pytest.raises(TamperedDataError):
        open_image(second, key_store, PATH)
    # a header from one object with the body of another
    spliced = first[: read_header(first).size_bytes] + second[read_header(second).size_bytes :]
    with pytest.raises(TamperedDataError):
        open_image(spliced, key_store, PATH)


@pytest.mark.parametrize("offset", [8, 40, 100, 5000, -1])
def test_a_flipped_bit_anywhere_is_detected(
    company_pair: CompanyKeyPair, key_store: FileKeyStore, offset: int
) -> None:
    sealed = bytearray(seal_image(IMAGE, company_pair.public, PATH))
    sealed[offset] ^= 0x80
    with pytest.raises(TamperedDataError):
        open_image(bytes(sealed), key_store, PATH)


def test_truncated_or_foreign_blobs_are_refused(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    sealed = seal_image(IMAGE, company_pair.public, PATH)
    for bad in (sealed[:50], sealed[:-1], b"\xff\xd8\xff\xe0 a plain jpeg", b""):
        with pytest.raises(TamperedDataError):
            open_image(bad, key_store, PATH)


def test_an_unknown_version_asks_for_an_upgrade(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    sealed = bytearray(seal_image(b"img", company_pair.public, PATH))
    sealed[4] = 2
    with pytest.raises(TamperedDataError, match="upgrade"):
        open_image(bytes(sealed), key_store, PATH)


def test_without_the_private_key_it_does_not_open(company_pair: CompanyKeyPair) -> None:
    sealed = seal_image(IMAGE, company_pair.public, PATH)
    with pytest.raises(MissingKeyError, match=company_pair.public.key_id):
        open_image(sealed, MemoryKeyStore(), PATH)


def test_old_images_open_after_rotation(
    company_pair: CompanyKeyPair, key_store: FileKeyStore
) -> None:
    old = seal_image(b"old", company_pair.public, PATH)
    new_key = key_store.rotate("acme")
    new = seal_image(b"new", new_key, OTHER_PATH)
    assert read_header(new).key_id == new_key.key_id
    assert open_image(old, key_store, PATH) == b"old"
    assert open_image(new, key_store, OTHER_PATH) == b"new"
