"""A Parquet Modular Encryption KMS client whose "master keys" are company key pairs.

pyarrow asks the client to wrap each key-encryption key with a master key id; ours names a
company key (``teamtreck:<company>:<key_id>``), and that id is stored in the file's key
material, so a reader knows which private key to ask the key store for. Wrapping needs only the
public key; unwrapping needs the key store and is refused without it.
"""

from __future__ import annotations

import binascii
from typing import Final

import pyarrow.parquet.encryption as pe

from lakehouse.crypto.wrap import unwrap_secret, wrap_secret
from lakehouse.errors import KeyNotFoundError, MissingKeyError, TamperedDataError
from lakehouse.keys import CompanyPublicKey, KeyStore, b64decode, b64encode

MASTER_KEY_PREFIX: Final = "teamtreck"
_WRAPPED_PREFIX: Final = "ttw1"


def master_key_id(public_key: CompanyPublicKey) -> str:
    """Return the PME master key id naming a company key."""
    return f"{MASTER_KEY_PREFIX}:{public_key.company_id}:{public_key.key_id}"


def parse_master_key_id(master_key_identifier: str) -> tuple[str, str]:
    """Return (company_id, key_id) from a master key id; raise `TamperedDataError` if foreign."""
    parts = master_key_identifier.split(":")
    if len(parts) != 3 or parts[0] != MASTER_KEY_PREFIX:
        raise TamperedDataError(
            f"the file was encrypted with master key {master_key_identifier!r}, which is not "
            "a TeamTreck company key."
        )
    return parts[1], parts[2]


def _context(master_key_identifier: str) -> bytes:
    return b"teamtreck pme kek v1\0" + master_key_identifier.encode()


class PublicKeyKmsClient(pe.KmsClient):  # type: ignore[misc]
    """Wraps with the company public key; unwraps only through a key store, if given one."""

    def __init__(self, public_key: CompanyPublicKey | None, key_store: KeyStore | None) -> None:
        super().__init__()
        self.public_key = public_key
        self.key_store = key_store

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        if self.public_key is None or master_key_identifier != master_key_id(self.public_key):
            raise MissingKeyError(
                f"no public key for master key {master_key_identifier!r} in this writer."
            )
        wrapped = wrap_secret(bytes(key_bytes), self.public_key, _context(master_key_identifier))
        return f"{_WRAPPED_PREFIX}.{self.public_key.key_id}.{b64encode(wrapped)}"

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        company_id, key_id = parse_master_key_id(master_key_identifier)
        if self.key_store is None:
            raise MissingKeyError(
                "this side holds only the company public key: it can write encrypted files but "
                "never read them. Read them where the company's private keys are kept."
            )
        prefix, wrapped_key_id, encoded = [*wrapped_key.split("."), "", ""][:3]
        if prefix != _WRAPPED_PREFIX or wrapped_key_id != key_id:
            raise TamperedDataError("the file's wrapped key does not name the company key.")
        try:
            private_key = self.key_store.private_key(company_id, key_id)
        except KeyNotFoundError as e:
            raise MissingKeyError(
                f"cannot decrypt: the key store has no private key {key_id!r} of company "
                f"{company_id!r}. Use the key store that holds the company's keys."
            ) from e
        try:
            wrapped = b64decode(encoded)
        except (binascii.Error, ValueError) as e:
            raise TamperedDataError("the file's wrapped key is damaged.") from e
        return unwrap_secret(wrapped, private_key, _context(master_key_identifier))
