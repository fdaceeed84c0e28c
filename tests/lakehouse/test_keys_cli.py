"""`teamtreck lake keys …` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lakehouse.cli import lake
from lakehouse.keys import CompanyPublicKey, FileKeyStore


@pytest.fixture
def run(teamtreck_home: Path) -> object:
    runner = CliRunner()

    def invoke(*args: str) -> click.testing.Result:
        return runner.invoke(lake, list(args), catch_exceptions=False)

    return invoke


def test_create_export_rotate_list(run, teamtreck_home: Path) -> None:  # type: ignore[no-untyped-def]
    created = run("keys", "create", "--company", "acme")
    assert created.exit_code == 0, created.output
    first = CompanyPublicKey.from_text(created.output.splitlines()[-1])
    exported = run("keys", "export-public", "--company", "acme")
    assert CompanyPublicKey.from_text(exported.output) == first
    assert FileKeyStore(teamtreck_home / "keys").current_public_key("acme") == first

    rotated = run("keys", "rotate", "--company", "acme")
    second = CompanyPublicKey.from_text(rotated.output.splitlines()[-1])
    assert second.key_id != first.key_id
    listed = run("keys", "list").output.splitlines()
    assert [line.split("\t")[1::2] for line in listed] == [
        [first.key_id, "old"],
        [second.key_id, "current"],
    ]


def test_create_twice_points_to_rotate(run) -> None:  # type: ignore[no-untyped-def]
    run("keys", "create", "--company", "acme")
    again = run("keys", "create", "--company", "acme")
    assert again.exit_code == 1
    assert "teamtreck lake keys rotate --company acme" in again.output


def test_errors_are_clean_messages(run, teamtreck_home: Path) -> None:  # type: ignore[no-untyped-def]
    missing = run("keys", "export-public", "--company", "globex")
    assert missing.exit_code == 1
    assert "Error: company 'globex' has no key" in missing.output
    run("keys", "create", "--company", "acme")
    (teamtreck_home / "keys").chmod(0o755)
    loose = run("keys", "list")
    assert loose.exit_code == 1
    assert "chmod 700" in loose.output
    assert "Traceback" not in loose.output


def test_key_store_option_and_empty_list(tmp_path: Path) -> None:
    result = CliRunner().invoke(lake, ["--key-store", str(tmp_path / "k"), "keys", "list"])
    assert "no keys in" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["keys"],
        ["keys", "create"],
        ["keys", "rotate"],
        ["keys", "export-public"],
        ["keys", "list"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(lake, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    example = result.output.split("Example")[1]
    assert "\n  " in example
    assert "teamtreck lake" in example


def test_the_launcher_reaches_the_lake_commands(teamtreck_home: Path) -> None:
    env = {**os.environ, "TEAMTRECK_HOME": str(teamtreck_home)}
    result = subprocess.run(
        [sys.executable, "-m", "teamtreck", "lake", "keys", "create", "--company", "acme"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("ttpk1.acme.")


@pytest.mark.s3
def test_lake_options_open_the_s3_lake(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakehouse.cli import LakeOptions

    monkeypatch.setenv("TEAMTRECK_LAKE_URL", f"s3://{s3_bucket}/lake")
    ctx = lake.make_context(
        "lake", ["--s3-endpoint-url", s3_endpoint, "--s3-region", "us-east-1", "keys"]
    )
    with ctx:
        ctx.invoke(lake.callback, **ctx.params)  # type: ignore[misc]
        options = ctx.find_object(LakeOptions)
    assert options is not None
    store = options.store()
    store.put_bytes("landing/x", b"1")
    assert store.url == f"s3://{s3_bucket}/lake"
    assert store.find() == ["landing/x"]


def test_the_key_store_is_where_TEAMTRECK_KEY_STORE_DIR_says(teamtreck_home: Path) -> None:
    elsewhere = teamtreck_home.parent / "vault"
    env = {"TEAMTRECK_KEY_STORE_DIR": str(elsewhere), "TEAMTRECK_KEY_STORE": None}
    created = CliRunner().invoke(lake, ["keys", "create", "--company", "acme"], env=env)
    assert created.exit_code == 0, created.output
    assert "deprecated" not in created.stderr
    assert FileKeyStore(elsewhere).current_public_key("acme")
    assert not (teamtreck_home / "keys").exists()


def test_the_old_variable_still_works_with_a_warning(teamtreck_home: Path) -> None:
    elsewhere = teamtreck_home.parent / "vault"
    env = {"TEAMTRECK_KEY_STORE_DIR": None, "TEAMTRECK_KEY_STORE": str(elsewhere)}
    created = CliRunner().invoke(lake, ["keys", "create", "--company", "acme"], env=env)
    assert created.exit_code == 0, created.output
    assert "TEAMTRECK_KEY_STORE is deprecated" in created.stderr
    assert "TEAMTRECK_KEY_STORE_DIR" in created.stderr
    assert FileKeyStore(elsewhere).current_public_key("acme")
