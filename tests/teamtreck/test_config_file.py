"""The config file is read by the `teamtreck` launcher, so every part sees it; the environment
wins over it. Run as a person would: a real `teamtreck` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse import FileKeyStore
from teamtreck.config_file import load_config, switch_config


def teamtreck(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TEAMTRECK_")}
    return subprocess.run(
        [sys.executable, "-m", "teamtreck", *args],
        env={**clean, "TEAMTRECK_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir(mode=0o700)
    return folder


def test_a_part_other_than_up_reads_the_config_file(home: Path, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (home / "teamtreck.toml").write_text(f'key_store_dir = "{vault}"\n')
    done = teamtreck(home, "lake", "keys", "create", "--company", "acme")
    assert done.returncode == 0, done.stderr
    assert FileKeyStore(vault).current_public_key("acme")
    assert not (home / "keys").exists()


def test_the_environment_wins_over_the_config_file(home: Path, tmp_path: Path) -> None:
    (home / "teamtreck.toml").write_text(f'key_store_dir = "{tmp_path / "from-file"}"\n')
    chosen = tmp_path / "from-environment"
    done = teamtreck(
        home, "lake", "keys", "create", "--company", "acme", TEAMTRECK_KEY_STORE_DIR=str(chosen)
    )
    assert done.returncode == 0, done.stderr
    assert FileKeyStore(chosen).current_public_key("acme")
    assert not (tmp_path / "from-file").exists()


@pytest.mark.parametrize("how", ["option", "variable"])
def test_another_file_by_option_or_variable(home: Path, tmp_path: Path, how: str) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'key_store_dir = "{tmp_path / "vault"}"\n')
    create = ("lake", "keys", "create", "--company", "acme")
    if how == "option":
        done = teamtreck(home, "--config", str(elsewhere), *create)
    else:
        done = teamtreck(home, *create, TEAMTRECK_CONFIG=str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert FileKeyStore(tmp_path / "vault").current_public_key("acme")


def test_a_broken_config_file_stops_every_part_with_a_clear_message(home: Path) -> None:
    config = home / "teamtreck.toml"
    config.write_text("lake_url = \n")
    done = teamtreck(home, "collector", "status")
    assert done.returncode == 1
    assert f"{config} is not valid TOML" in done.stderr
    assert "Fix the file or move it away" in done.stderr


def test_the_file_cannot_move_the_folder_it_lives_in(home: Path, tmp_path: Path) -> None:
    (home / "teamtreck.toml").write_text(f'home = "{tmp_path / "other"}"\n')
    done = teamtreck(home, "lake", "keys", "list")
    assert done.returncode == 1
    assert "set the environment variable TEAMTRECK_HOME instead" in done.stderr


def test_up_config_replaces_the_default_file_rather_than_losing_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAMTRECK_HOME", str(tmp_path))
    monkeypatch.delenv("TEAMTRECK_CONFIG", raising=False)
    (tmp_path / "teamtreck.toml").write_text('lake_url = "file:///default"\nsmtp_port = 25\n')
    chosen = tmp_path / "chosen.toml"
    chosen.write_text('lake_url = "file:///chosen"\n')
    environ = {"TEAMTRECK_SMTP_HOST": "mail.internal"}
    loaded = load_config(environ=environ)
    assert environ["TEAMTRECK_LAKE_URL"] == "file:///default"
    switched = switch_config(loaded, chosen, environ)
    assert switched.path == chosen
    assert environ == {
        "TEAMTRECK_SMTP_HOST": "mail.internal",
        "TEAMTRECK_LAKE_URL": "file:///chosen",
    }
