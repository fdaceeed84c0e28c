"""Company keys: text form for collectors, the file key store's safety, rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lakehouse.errors import InsecureKeyStoreError, KeyNotFoundError, KeyStoreError
from lakehouse.keys import (
    CompanyKeyPair,
    CompanyPublicKey,
    FileKeyStore,
    KeyStore,
    MemoryKeyStore,
    generate_company_key,
)


def test_public_key_text_is_one_line_and_round_trips(company_pair: CompanyKeyPair) -> None:
    text = company_pair.public.to_text()
    assert "\n" not in text
    assert text.startswith("ttpk1.acme.")
    assert CompanyPublicKey.from_text(text + "\n") == company_pair.public


@pytest.mark.parametrize(
    "text", ["", "ttpk1.acme.k1", "rsa.acme.k1.AAAA", "ttpk1.acme.k1.AAAA", "ttpk1.a/b.k1.AAAA"]
)
def test_garbage_public_key_text_is_refused(text: str) -> None:
    with pytest.raises(KeyStoreError, match="not a TeamTreck public key"):
        CompanyPublicKey.from_text(text)


def test_every_key_has_its_own_id() -> None:
    assert generate_company_key("acme").public.key_id != generate_company_key("acme").public.key_id


@pytest.fixture(params=["file", "memory"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> KeyStore:
    return FileKeyStore(tmp_path / "keys") if request.param == "file" else MemoryKeyStore()


def test_rotation_keeps_old_keys_for_old_data(
    any_store: KeyStore, company_pair: CompanyKeyPair
) -> None:
    any_store.save(company_pair)
    new = any_store.rotate("acme")
    assert any_store.current_public_key("acme") == new != company_pair.public
    old_private = any_store.private_key("acme", company_pair.public.key_id)
    assert old_private.public_key().public_bytes_raw() == company_pair.public.public_bytes
    infos = any_store.keys("acme")
    assert [(i.key_id, i.current) for i in infos] == [
        (company_pair.public.key_id, False),
        (new.key_id, True),
    ]
    assert any_store.companies() == ["acme"]


def test_unknown_company_or_key_is_a_clear_error(
    any_store: KeyStore, company_pair: CompanyKeyPair
) -> None:
    with pytest.raises(KeyNotFoundError, match="keys create --company globex"):
        any_store.current_public_key("globex")
    with pytest.raises(KeyNotFoundError):
        any_store.rotate("globex")
    any_store.save(company_pair)
    with pytest.raises(KeyNotFoundError, match="no key 'k0000'"):
        any_store.private_key("acme", "k0000")


def test_file_store_is_private(key_store: FileKeyStore, company_pair: CompanyKeyPair) -> None:
    folder = key_store.root / "acme"
    assert stat.S_IMODE(key_store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert company_pair.public.public_bytes.hex() not in "".join(f.name for f in files)


def test_new_store_survives_a_permissive_umask(
    tmp_path: Path, company_pair: CompanyKeyPair
) -> None:
    import os

    old = os.umask(0o000)
    try:
        FileKeyStore(tmp_path / "keys").save(company_pair)
    finally:
        os.umask(old)
    assert FileKeyStore(tmp_path / "keys").current_public_key("acme") == company_pair.public


@pytest.mark.parametrize(
    ("relative", "mode"), [(".", 0o755), ("acme", 0o750), ("acme/current", 0o644)]
)
def test_loose_permissions_are_refused(key_store: FileKeyStore, relative: str, mode: int) -> None:
    (key_store.root / relative).chmod(mode)
    with pytest.raises(InsecureKeyStoreError, match="chmod"):
        key_store.current_public_key("acme")


def test_loose_key_file_is_refused(key_store: FileKeyStore, company_pair: CompanyKeyPair) -> None:
    key_id = company_pair.public.key_id
    (key_store.root / "acme" / f"{key_id}.json").chmod(0o640)
    with pytest.raises(InsecureKeyStoreError, match="open to other users"):
        key_store.private_key("acme", key_id)


def test_a_second_store_object_sees_saved_keys(
    key_store: FileKeyStore, company_pair: CompanyKeyPair
) -> None:
    again = FileKeyStore(key_store.root)
    assert again.current_public_key("acme") == company_pair.public
    assert again.private_key("acme", company_pair.public.key_id).private_bytes_raw() == (
        company_pair.private_key.private_bytes_raw()
    )


def test_default_store_lives_in_the_deployment_folder(teamtreck_home: Path) -> None:
    assert FileKeyStore().root == teamtreck_home / "keys"


def test_new_deployment_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from lakehouse.home import teamtreck_home

    monkeypatch.setenv("TEAMTRECK_HOME", str(tmp_path / "deep" / "home"))
    old = os.umask(0o022)
    try:
        home = teamtreck_home()
    finally:
        os.umask(old)
    assert home == tmp_path / "deep" / "home"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
