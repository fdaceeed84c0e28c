"""Where the collector keeps its sign-in tokens.

The OS keychain (through `keyring`) when it has a real backend; otherwise a 0600 file in a
0700 folder, written atomically and refused when its permissions are loose (as gh and docker
do). Headless Linux has no keychain, and `keyrings.alt`'s plaintext file must never be picked
silently, so only backends we trust are used.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from collector.errors import CollectorError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "teamtreck-collector"
KEYRING_USERNAME = "tokens"
TOKENS_FILE = "tokens.json"
# Backends that store secrets in plain files or fail every call.
_UNTRUSTED_BACKENDS = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class CredentialsError(CollectorError):
    """The stored tokens could not be read or written safely."""


@dataclass(frozen=True)
class Tokens:
    """What the API handed us at sign-in, and where to use it."""

    api_url: str
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    user_id: str
    company_id: str
    device_id: str
    email: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        data["access_expires_at"] = self.access_expires_at.astimezone(UTC).isoformat()
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Tokens:
        try:
            data: dict[str, Any] = json.loads(text)
            data["access_expires_at"] = datetime.fromisoformat(data["access_expires_at"])
            return cls(**data)
        except (ValueError, KeyError, TypeError) as e:
            raise CredentialsError(
                f"The stored sign-in is unreadable ({e}); sign in again: teamtreck collector login"
            ) from e

    def __repr__(self) -> str:  # never show tokens in logs or tracebacks
        return f"Tokens(user_id={self.user_id!r}, device_id={self.device_id!r})"


class TokenStore(Protocol):
    """Load, save and wipe the one set of tokens of this user on this machine."""

    def load(self) -> Tokens | None: ...

    def save(self, tokens: Tokens) -> None: ...

    def clear(self) -> None: ...


class FileTokenStore:
    """Tokens in `<folder>/tokens.json`: folder 0700, file 0600, replaced atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / TOKENS_FILE

    def load(self) -> Tokens | None:
        if not self.path.exists():
            return None
        _check_private(self.folder, 0o700)
        _check_private(self.path, 0o600)
        return Tokens.from_json(self.path.read_text(encoding="utf-8"))

    def save(self, tokens: Tokens) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)
        _check_private(self.folder, 0o700)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tokens-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.chmod(temp, 0o600)
                f.write(tokens.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class KeyringTokenStore:
    """Tokens as one entry in the OS keychain."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    def load(self) -> Tokens | None:
        import keyring
        import keyring.errors

        try:
            text = keyring.get_password(self.service, KEYRING_USERNAME)
        except keyring.errors.KeyringError as e:
            raise CredentialsError(f"The OS keychain could not be read: {e}") from e
        return None if text is None else Tokens.from_json(text)

    def save(self, tokens: Tokens) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.set_password(self.service, KEYRING_USERNAME, tokens.to_json())
        except keyring.errors.KeyringError as e:
            raise CredentialsError(f"The OS keychain refused the sign-in: {e}") from e

    def clear(self) -> None:
        import keyring
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self.service, KEYRING_USERNAME)


def has_trusted_keyring() -> bool:
    """True when keyring's chosen backend is a real OS keychain (not a file, not a stub)."""
    try:
        import keyring
    except ImportError:
        return False
    backend = keyring.get_keyring()
    backends = getattr(backend, "backends", [backend])  # a chainer holds several
    real = [b for b in backends if not type(b).__module__.startswith(_UNTRUSTED_BACKENDS)]
    return bool(real) and len(real) == len(backends)


def open_token_store(folder: Path, *, use_keyring: bool | None = None) -> TokenStore:
    """The keychain when it is real, else the private file under `folder`."""
    if use_keyring is None:
        use_keyring = has_trusted_keyring()
    if use_keyring:
        log.info("sign-in tokens kept in the OS keychain")
        return KeyringTokenStore()
    log.info("no OS keychain; sign-in tokens kept in a private file")
    return FileTokenStore(folder)


def _check_private(path: Path, mode: int) -> None:
    """Refuse a file or folder that others can read or that another user owns."""
    if sys.platform == "win32":  # POSIX modes mean nothing there; the profile folder is private
        return
    info = path.stat()
    loose = stat.S_IMODE(info.st_mode) & ~mode & 0o777
    if loose or info.st_uid != os.getuid():
        raise CredentialsError(
            f"{path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); "
            f"fix it with: chmod {mode:o} {path} — or delete it and sign in again"
        )


def is_expiring(tokens: Tokens, *, within_seconds: float, now: datetime | None = None) -> bool:
    """True when the access token expires within the given margin."""
    now = now or datetime.now(UTC)
    return (tokens.access_expires_at - now).total_seconds() <= within_seconds
