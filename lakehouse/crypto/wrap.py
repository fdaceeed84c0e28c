"""Wrapping a secret key for a company's public key (HPKE: X25519, HKDF-SHA256, AES-256-GCM).

Anyone with the public key can wrap; only the holder of the private key can unwrap. The
`context` is bound into the wrap (HPKE ``info``): unwrapping under another context fails.
"""

from __future__ import annotations

from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from lakehouse.errors import TamperedDataError
from lakehouse.keys import CompanyPublicKey

_SUITE: Final = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
WRAPPED_KEY_BYTES: Final = 32 + 32 + 16  # encapsulated key + 256-bit secret + GCM tag


def wrap_secret(secret: bytes, public_key: CompanyPublicKey, context: bytes) -> bytes:
    """Encrypt a short secret (a data key) so only the company's private key can recover it."""
    return bytes(_SUITE.encrypt(secret, public_key.x25519(), info=context))


def unwrap_secret(wrapped: bytes, private_key: X25519PrivateKey, context: bytes) -> bytes:
    """Recover a wrapped secret; raise `TamperedDataError` if it, its key or context differ."""
    try:
        return bytes(_SUITE.decrypt(wrapped, private_key, info=context))
    except (InvalidTag, ValueError) as e:
        raise TamperedDataError(
            "a wrapped data key does not open with the company key: the data was altered, "
            "moved, or wrapped for another key."
        ) from e
