"""Sealed objects: one fresh AES-256-GCM key per object, wrapped for the company public key.

Screenshots are sealed this way, and so are single rows a collector journals (`sealed_rows`).
Layout of a sealed object (all lengths in bytes)::

    b"TTSE" | version (1) | len (1) + company id | len (1) + key id
    | wrapped data key (80, HPKE) | nonce (12) | AES-GCM(content) with 16-byte tag

The header and the object path are the associated data of the encryption, and the path is also
bound into the key wrap, so a blob moved or swapped to another path fails to open. Only the
public key is needed to seal (and it is all this module imports: no Arrow).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lakehouse.crypto.wrap import WRAPPED_KEY_BYTES, unwrap_secret, wrap_secret
from lakehouse.errors import KeyNotFoundError, MissingKeyError, TamperedDataError
from lakehouse.keys import CompanyPublicKey, KeyStore

MAGIC: Final = b"TTSE"
VERSION: Final = 1
_NONCE_BYTES: Final = 12


@dataclass(frozen=True)
class EnvelopeHeader:
    """The readable part of a sealed object: whose key opens it."""

    version: int
    company_id: str
    key_id: str
    wrapped_key: bytes
    nonce: bytes
    size_bytes: int  # length of the header itself


def _context(company_id: str, key_id: str, object_path: str) -> bytes:
    return b"teamtreck envelope v1\0" + f"{company_id}\0{key_id}\0{object_path}".encode()


def seal(content: bytes, public_key: CompanyPublicKey, object_path: str) -> bytes:
    """Encrypt content for the company, bound to the path it will be stored at."""
    data_key = AESGCM.generate_key(bit_length=256)
    context = _context(public_key.company_id, public_key.key_id, object_path)
    wrapped = wrap_secret(data_key, public_key, context)
    nonce = os.urandom(_NONCE_BYTES)
    company, key_id = public_key.company_id.encode(), public_key.key_id.encode()
    header = b"".join(
        [MAGIC, bytes([VERSION, len(company)]), company, bytes([len(key_id)]), key_id]
    )
    header += wrapped + nonce
    return header + AESGCM(data_key).encrypt(nonce, content, header + object_path.encode())


def seal_image(image: bytes, public_key: CompanyPublicKey, object_path: str) -> bytes:
    """Encrypt an encoded image for the company, bound to the path it will be stored at."""
    return seal(image, public_key, object_path)


def read_header(sealed: bytes) -> EnvelopeHeader:
    """Parse the header of a sealed object; raise `TamperedDataError` if it is not one."""
    if sealed[:4] != MAGIC or len(sealed) < 7:
        raise TamperedDataError("this is not a sealed TeamTreck object (bad magic bytes).")
    if sealed[4] != VERSION:
        raise TamperedDataError(
            f"sealed object version {sealed[4]} is not supported here (this reader knows "
            f"{VERSION}); upgrade teamtreck to open it."
        )
    try:
        at = 6 + sealed[5]
        company_id = sealed[6:at].decode("ascii")
        key_length = sealed[at]
        key_id = sealed[at + 1 : at + 1 + key_length].decode("ascii")
        at += 1 + key_length
        wrapped = sealed[at : at + WRAPPED_KEY_BYTES]
        nonce = sealed[at + WRAPPED_KEY_BYTES : at + WRAPPED_KEY_BYTES + _NONCE_BYTES]
    except (IndexError, UnicodeDecodeError) as e:
        raise TamperedDataError("the sealed object's header is damaged.") from e
    size = at + WRAPPED_KEY_BYTES + _NONCE_BYTES
    if len(nonce) != _NONCE_BYTES or len(sealed) < size + 16:
        raise TamperedDataError("the sealed object is truncated.")
    return EnvelopeHeader(VERSION, company_id, key_id, wrapped, nonce, size)


def open_image(sealed: bytes, key_store: KeyStore, object_path: str) -> bytes:
    """Decrypt a sealed image stored at `object_path` (see `open_sealed`)."""
    return open_sealed(sealed, key_store, object_path)


def open_sealed(sealed: bytes, key_store: KeyStore, object_path: str) -> bytes:
    """Decrypt a sealed object stored at `object_path`.

    Raises `MissingKeyError` when the key store lacks the key it was sealed for, and
    `TamperedDataError` when the blob was altered or is not at the path it was sealed for.
    """
    header = read_header(sealed)
    try:
        private_key = key_store.private_key(header.company_id, header.key_id)
    except KeyNotFoundError as e:
        raise MissingKeyError(
            f"cannot open {object_path!r}: this key store has no private key {header.key_id!r} "
            f"of company {header.company_id!r}. Open it where the company's keys are kept."
        ) from e
    context = _context(header.company_id, header.key_id, object_path)
    data_key = unwrap_secret(header.wrapped_key, private_key, context)
    associated = sealed[: header.size_bytes] + object_path.encode()
    try:
        return AESGCM(data_key).decrypt(header.nonce, sealed[header.size_bytes :], associated)
    except InvalidTag as e:
        raise TamperedDataError(
            f"the sealed object at {object_path!r} was altered or swapped; it cannot be trusted."
        ) from e
