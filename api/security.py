"""Passwords (Argon2id, off the event loop) and access tokens (JWT signed with Ed25519).

Access tokens carry iss, aud, iat, exp, jti, sub (user), company, role, device and gen (the
device's token generation: bumping it in the database revokes every token of that device).
Signature checks cost ~325 µs, so verified tokens are kept briefly in a bounded cache; the
revocation check against the database still happens on every request.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.config import Settings
from api.errors import Invalid, Unauthorized


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: str
    company_id: str
    role: str
    device_id: str
    generation: int
    expires_at: float


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key in `path`, created (0600, in a 0700 folder) when absent."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.replace(temp, path)  # a replica racing us writes an equally good key; one wins
    if path.stat().st_mode & 0o077:
        raise PermissionError(
            f"The token signing key {path} is readable by others; run: chmod 600 {path}"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(
            f"{path} does not hold an Ed25519 private key; remove it to make a new one"
        )
    return key


class TokenService:
    """Issues and verifies access tokens; opaque refresh/invite tokens are stored hashed."""

    def __init__(self, settings: Settings, key: Ed25519PrivateKey) -> None:
        self._settings = settings
        self._private = key
        self._public = key.public_key()
        self._cache: dict[str, Claims] = {}

    def issue_access(
        self, *, user_id: str, company_id: str, role: str, device_id: str, generation: int
    ) -> str:
        now = time.time()
        payload: dict[str, Any] = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "iat": int(now),
            "exp": int(now) + self._settings.access_token_seconds,
            "jti": uuid.uuid4().hex,
            "sub": user_id,
            "company": company_id,
            "role": role,
            "device": device_id,
            "gen": generation,
        }
        return jwt.encode(payload, self._private, algorithm="EdDSA")

    def verify(self, token: str) -> Claims:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and cached.expires_at > now:
            return cached
        claims = self._decode(token)
        size = self._settings.verified_token_cache_size
        if size:
            if len(self._cache) >= size:
                self._make_room(now, size)
            self._cache[token] = claims
        return claims

    def _make_room(self, now: float, size: int) -> None:
        """Drop expired tokens; if live ones still fill the cache, the older half.

        Clearing it all instead would make every collector's next heartbeat pay a signature
        check within one heartbeat interval: a burst of CPU each time the cache fills up with
        tokens replaced by refreshes. A fleet with more live tokens than `size` (about one
        per collector) needs a larger `verified_token_cache_size`.
        """
        for token, claims in list(self._cache.items()):
            if claims.expires_at <= now:
                self._cache.pop(token, None)
        if len(self._cache) >= size:
            for token in list(self._cache)[: len(self._cache) // 2 + 1]:  # insertion order
                self._cache.pop(token, None)

    def _decode(self, token: str) -> Claims:
        try:
            p = jwt.decode(
                token,
                self._public,
                algorithms=["EdDSA"],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "iat", "jti", "sub", "iss", "aud"]},
            )
            return Claims(p["sub"], p["company"], p["role"], p["device"], int(p["gen"]), p["exp"])
        except jwt.ExpiredSignatureError as e:
            raise Unauthorized(
                "The access token has expired; refresh it or log in again.", code="token_expired"
            ) from e
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError) as e:
            raise Unauthorized("The access token is not valid; log in again.") from e


def check_password_strength(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise Invalid(
            f"The password is too short: use at least {min_length} characters.",
            code="password_too_short",
        )


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """Refresh and invite tokens are high-entropy, so a plain SHA-256 is the right store."""
    return hashlib.sha256(token.encode()).hexdigest()


class Passwords:
    """Argon2id hashing in worker threads, at most `password_hash_concurrency` at once."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._limiter = anyio.CapacityLimiter(settings.password_hash_concurrency)
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    def hash_sync(self, password: str) -> str:
        """For command-line tools, outside the event loop."""
        return self._hasher.hash(password)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; unknown accounts cost the same time as known ones."""
        return await anyio.to_thread.run_sync(
            self._verify_sync,
            password_hash or self._dummy,
            password,
            password_hash is not None,
            limiter=self._limiter,
        )

    def _verify_sync(self, password_hash: str, password: str, real: bool) -> bool:
        try:
            return self._hasher.verify(password_hash, password) and real
        except (VerificationError, InvalidHashError):
            return False
