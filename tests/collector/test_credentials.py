"""Sign-in tokens: the keychain when real, else a private file that refuses loose permissions."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import pytest
from jaraco.classes import properties

from collector.credentials import (
    CredentialsError,
    FileTokenStore,
    KeyringTokenStore,
    Tokens,
    has_trusted_keyring,
    is_expiring,
    open_token_store,
)


def _tokens(access: str = "acc-secret") -> Tokens:
    return Tokens(
        api_url="http://127.0.0.1:1",
        access_token=access,
        refresh_token="ref-secret",
        access_expires_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        user_id="u1",
        company_id="c1",
        device_id="d1",
        email="ann@example.com",
    )


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An OS keychain stand-in at keyring's own backend seam."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable for keyring's own discovery: only chosen explicitly with set_keyring.
        raise RuntimeError("chosen explicitly in tests only")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError(username)
        del self.entries[(service, username)]


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's file backend, which must never be chosen."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_file_store_round_trip_is_private(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "creds")
    assert store.load() is None
    store.save(_tokens())
    assert store.load() == _tokens()
    assert stat.S_IMODE((tmp_path / "creds").stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.save(_tokens("acc-2"))  # replaced atomically: no temp files left behind
    assert [p.name for p in (tmp_path / "creds").iterdir()] == ["tokens.json"]
    assert store.load().access_token == "acc-2"  # type: ignore[union-attr]
    store.clear()
    assert store.load() is None


@pytest.mark.parametrize(("target", "mode"), [("file", 0o644), ("folder", 0o755)])
def test_file_store_refuses_loose_permissions(tmp_path: Path, target: str, mode: int) -> None:
    store = FileTokenStore(tmp_path / "creds")
    store.save(_tokens())
    os.chmod(store.path if target == "file" else store.folder, mode)
    with pytest.raises(CredentialsError, match="chmod"):
        store.load()


def test_unreadable_file_says_sign_in_again(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "creds")
    store.save(_tokens())
    store.path.write_text("{not json")
    with pytest.raises(CredentialsError, match="sign in again"):
        store.load()


def test_tokens_never_show_in_repr() -> None:
    assert "secret" not in repr(_tokens())
    assert "secret" not in str(_tokens())


def test_headless_linux_falls_back_to_the_private_file(tmp_path: Path) -> None:
    # This machine has no D-Bus Secret Service: keyring's chosen backend is the failing one.
    assert not has_trusted_keyring()
    assert isinstance(open_token_store(tmp_path), FileTokenStore)


def test_plaintext_keyring_is_never_chosen(tmp_path: Path, restore_keyring: None) -> None:
    keyring.set_keyring(PlaintextKeyring())
    assert not has_trusted_keyring()
    assert isinstance(open_token_store(tmp_path), FileTokenStore)


def test_real_keychain_is_used_when_present(tmp_path: Path, restore_keyring: None) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = open_token_store(tmp_path)
    assert isinstance(store, KeyringTokenStore)
    store.save(_tokens())
    assert store.load() == _tokens()
    assert not (tmp_path / "tokens.json").exists()
    store.clear()
    store.clear()  # wiping twice is fine (force_logout may race a manual sign-out)
    assert store.load() is None
    assert backend.entries == {}


def test_expiry_margin() -> None:
    at = _tokens().access_expires_at
    assert is_expiring(_tokens(), within_seconds=60, now=at - timedelta(seconds=30))
    assert not is_expiring(_tokens(), within_seconds=60, now=at - timedelta(seconds=300))
