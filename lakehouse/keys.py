"""Company key pairs (X25519) and where their private halves are kept.

Collectors get only the public key, as one line of text (`CompanyPublicKey.to_text`). The
private keys live in a key store held by the trusted side (compaction, dashboards, notebooks).
Every key has an id that is written into each encrypted file, so after a rotation new data uses
the new key while old data still opens with the old one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from lakehouse.errors import InsecureKeyStoreError, KeyNotFoundError, KeyStoreError
from lakehouse.home import teamtreck_home
from lakehouse.layout import check_id

TEXT_PREFIX = "ttpk1"


def b64encode(data: bytes) -> str:
    """Encode bytes as unpadded URL-safe base64 (no '.', so it can sit in dotted text)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode unpadded URL-safe base64."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CompanyPublicKey:
    """A company's public key: all a collector needs to write data it can never read back."""

    company_id: str
    key_id: str
    public_bytes: bytes

    def to_text(self) -> str:
        """Return the one-line text form, e.g. ``ttpk1.acme.k3f….<base64>``."""
        return f"{TEXT_PREFIX}.{self.company_id}.{self.key_id}.{b64encode(self.public_bytes)}"

    @classmethod
    def from_text(cls, text: str) -> CompanyPublicKey:
        """Parse the text form made by `to_text`; raise `KeyStoreError` if it is not one."""
        parts = text.strip().split(".")
        try:
            if len(parts) != 4 or parts[0] != TEXT_PREFIX:
                raise ValueError("expected 4 dot-separated parts starting with 'ttpk1'")
            key = cls(check_id(parts[1]), check_id(parts[2]), b64decode(parts[3]))
            key.x25519()
        except (ValueError, binascii.Error) as e:
            raise KeyStoreError(
                f"not a TeamTreck public key ({e}); export one with "
                "'teamtreck lake keys export-public --company ID'."
            ) from e
        return key

    def x25519(self) -> X25519PublicKey:
        """Return the key as a `cryptography` X25519 public key."""
        return X25519PublicKey.from_public_bytes(self.public_bytes)


@dataclass(frozen=True)
class CompanyKeyPair:
    """A company's key pair; `private_key` never leaves the trusted side."""

    public: CompanyPublicKey
    private_key: X25519PrivateKey = field(repr=False)
    created_at: dt.datetime


@dataclass(frozen=True)
class KeyInfo:
    """What a key store says about one key (never the private half)."""

    company_id: str
    key_id: str
    created_at: dt.datetime
    current: bool


def key_id_for(public_bytes: bytes) -> str:
    """Return the key id of a public key: a short fingerprint."""
    return "k" + hashlib.sha256(public_bytes).hexdigest()[:20]


def generate_company_key(company_id: str) -> CompanyKeyPair:
    """Generate a new X25519 key pair for a company."""
    check_id(company_id, "company id")
    private = X25519PrivateKey.generate()
    public_bytes = private.public_key().public_bytes_raw()
    public = CompanyPublicKey(company_id, key_id_for(public_bytes), public_bytes)
    return CompanyKeyPair(public, private, dt.datetime.now(dt.UTC))


@runtime_checkable
class KeyStore(Protocol):
    """Where private keys are kept. `FileKeyStore` and `MemoryKeyStore` implement it."""

    def save(self, pair: CompanyKeyPair) -> None:
        """Keep a key pair and make it the company's current key."""
        ...

    def current_public_key(self, company_id: str) -> CompanyPublicKey:
        """Return the key new data for the company is encrypted with."""
        ...

    def private_key(self, company_id: str, key_id: str) -> X25519PrivateKey:
        """Return a private key; raise `KeyNotFoundError` if it is not here."""
        ...

    def rotate(self, company_id: str) -> CompanyPublicKey:
        """Make a new current key; old keys stay to open old data."""
        ...

    def companies(self) -> list[str]:
        """Return the companies with at least one key, sorted."""
        ...

    def keys(self, company_id: str) -> list[KeyInfo]:
        """Return the company's keys, oldest first."""
        ...


class MemoryKeyStore:
    """A key store in memory: for tests and short-lived tools."""

    def __init__(self) -> None:
        self._pairs: dict[str, list[CompanyKeyPair]] = {}

    def save(self, pair: CompanyKeyPair) -> None:
        pairs = self._pairs.setdefault(pair.public.company_id, [])
        pairs[:] = [p for p in pairs if p.public.key_id != pair.public.key_id] + [pair]

    def current_public_key(self, company_id: str) -> CompanyPublicKey:
        return self._company(company_id)[-1].public

    def private_key(self, company_id: str, key_id: str) -> X25519PrivateKey:
        for pair in self._company(company_id):
            if pair.public.key_id == key_id:
                return pair.private_key
        raise KeyNotFoundError(f"no key {key_id!r} for company {company_id!r} in this key store.")

    def rotate(self, company_id: str) -> CompanyPublicKey:
        self._company(company_id)
        pair = generate_company_key(company_id)
        self.save(pair)
        return pair.public

    def companies(self) -> list[str]:
        return sorted(self._pairs)

    def keys(self, company_id: str) -> list[KeyInfo]:
        pairs = self._company(company_id)
        return [KeyInfo(company_id, p.public.key_id, p.created_at, p is pairs[-1]) for p in pairs]

    def _company(self, company_id: str) -> list[CompanyKeyPair]:
        if not self._pairs.get(company_id):
            raise KeyNotFoundError(
                f"company {company_id!r} has no key; create one with "
                f"'teamtreck lake keys create --company {company_id}'."
            )
        return self._pairs[company_id]


class FileKeyStore:
    """Private keys as files: ``<root>/<company>/<key_id>.json`` (0600) in 0700 folders.

    The company's current key id is in ``<root>/<company>/current``. Every access checks the
    permissions and refuses to work when another user could read or change the keys.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else teamtreck_home() / "keys"

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self.root)!r})"

    def save(self, pair: CompanyKeyPair) -> None:
        company = self._folder(pair.public.company_id, create=True)
        record = {
            "company_id": pair.public.company_id,
            "key_id": pair.public.key_id,
            "created_at": pair.created_at.isoformat(),
            "public": b64encode(pair.public.public_bytes),
            "private": b64encode(pair.private_key.private_bytes_raw()),
        }
        _write_secret(company / f"{pair.public.key_id}.json", json.dumps(record).encode())
        _write_secret(company / "current", pair.public.key_id.encode())

    def current_public_key(self, company_id: str) -> CompanyPublicKey:
        pointer = self._folder(company_id) / "current"
        key_id = _read_secret(pointer).decode().strip()
        return self._load(company_id, key_id).public

    def private_key(self, company_id: str, key_id: str) -> X25519PrivateKey:
        return self._load(company_id, key_id).private_key

    def rotate(self, company_id: str) -> CompanyPublicKey:
        self.current_public_key(company_id)
        pair = generate_company_key(company_id)
        self.save(pair)
        return pair.public

    def companies(self) -> list[str]:
        if not self.root.exists():
            return []
        _check_private(self.root)
        return sorted(p.name for p in self.root.iterdir() if (p / "current").exists())

    def keys(self, company_id: str) -> list[KeyInfo]:
        current = self.current_public_key(company_id).key_id
        pairs = [self._load(company_id, p.stem) for p in self._folder(company_id).glob("k*.json")]
        pairs.sort(key=lambda p: p.created_at)
        return [
            KeyInfo(company_id, p.public.key_id, p.created_at, p.public.key_id == current)
            for p in pairs
        ]

    def _folder(self, company_id: str, create: bool = False) -> Path:
        folder = self.root / check_id(company_id, "company id")
        if create:
            for path in (self.root, folder):
                if not path.exists():
                    path.mkdir(parents=True, mode=0o700)
                    path.chmod(0o700)  # mkdir's mode is reduced by the umask
        if not folder.exists():
            raise KeyNotFoundError(
                f"company {company_id!r} has no key in {self.root}; create one with "
                f"'teamtreck lake keys create --company {company_id}'."
            )
        _check_private(self.root)
        _check_private(folder)
        return folder

    def _load(self, company_id: str, key_id: str) -> CompanyKeyPair:
        path = self._folder(company_id) / f"{check_id(key_id, 'key id')}.json"
        if not path.exists():
            raise KeyNotFoundError(
                f"no key {key_id!r} for company {company_id!r} in {self.root}: data encrypted "
                "with it can only be opened where that key is kept."
            )
        try:
            record = json.loads(_read_secret(path))
            private = X25519PrivateKey.from_private_bytes(b64decode(record["private"]))
            created_at = dt.datetime.fromisoformat(record["created_at"])
        except (ValueError, KeyError, binascii.Error) as e:
            raise KeyStoreError(f"key file {path} is damaged ({e}); restore it from backup.") from e
        public_bytes = private.public_key().public_bytes_raw()
        public = CompanyPublicKey(company_id, key_id, public_bytes)
        return CompanyKeyPair(public, private, created_at)


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return  # NTFS permissions are not mode bits; the user profile folder protects the keys
    info = path.stat()
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if loose or info.st_uid != os.getuid():
        wanted = "700" if path.is_dir() else "600"
        raise InsecureKeyStoreError(
            f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):o}, owner uid "
            f"{info.st_uid}); refusing to use the keys. Make it yours and private: "
            f"chmod {wanted} {path} (and consider the keys exposed if others could read them)."
        )


def _read_secret(path: Path) -> bytes:
    if not path.exists():
        raise KeyNotFoundError(f"{path} does not exist; create a key first.")
    _check_private(path)
    return path.read_bytes()


def _write_secret(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
