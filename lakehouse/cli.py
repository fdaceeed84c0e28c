"""`teamtreck lake …`: the lake's command line (keys, compaction, queries, retention).

A thin layer over the library: each command's help is its docstring, with an example.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from lakehouse.errors import KeyNotFoundError, LakehouseError
from lakehouse.keys import FileKeyStore, generate_company_key
from lakehouse.storage import Store, open_store


@dataclass
class LakeOptions:
    """Where the lake and the keys are, from the `lake` group's options."""

    lake_url: str | None = None
    storage_options: dict[str, Any] = field(default_factory=dict)
    key_store_path: Path | None = None

    def store(self) -> Store:
        """Open the lake's object store."""
        return open_store(self.lake_url, **self.storage_options)

    def key_store(self) -> FileKeyStore:
        """Open the key store (default: the deployment folder's ``keys/``)."""
        return FileKeyStore(self.key_store_path)


pass_lake = click.make_pass_decorator(LakeOptions)


class LakeGroup(click.Group):
    """A group that turns the lakehouse's errors into clean command-line errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LakehouseError as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=LakeGroup)
@click.option(
    "--lake-url",
    envvar="TEAMTRECK_LAKE_URL",
    help="Root of the lake: file:///path, s3://bucket/prefix or memory://name. "
    "[default: the deployment folder's lake/]",
)
@click.option(
    "--s3-endpoint-url", envvar="TEAMTRECK_S3_ENDPOINT_URL", help="S3-compatible endpoint."
)
@click.option("--s3-region", envvar="TEAMTRECK_S3_REGION", help="S3 region.")
@click.option(
    "--s3-key", envvar="TEAMTRECK_S3_KEY", help="S3 access key id (else AWS_* variables)."
)
@click.option("--s3-secret", envvar="TEAMTRECK_S3_SECRET", help="S3 secret access key.")
@click.option(
    "--key-store",
    envvar="TEAMTRECK_KEY_STORE_DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of private keys. [default: the deployment folder's keys/]",
)
@click.pass_context
def lake(
    ctx: click.Context,
    lake_url: str | None,
    s3_endpoint_url: str | None,
    s3_region: str | None,
    s3_key: str | None,
    s3_secret: str | None,
    key_store: Path | None,
) -> None:
    """The encrypted lake: keys, compaction, queries, retention.

    \b
    Examples:
      teamtreck lake keys create --company acme
      teamtreck lake --lake-url s3://lake/tt --s3-endpoint-url http://127.0.0.1:9000 keys list
    """
    options = {"endpoint_url": s3_endpoint_url, "region": s3_region, "key": s3_key}
    options["secret"] = s3_secret
    storage_options = {k: v for k, v in options.items() if v}
    ctx.obj = LakeOptions(lake_url, storage_options, key_store or _key_store_by_old_name())


def _key_store_by_old_name() -> Path | None:
    """The key store's earlier variable, still honoured so existing timers keep working."""
    old = os.environ.get("TEAMTRECK_KEY_STORE")
    if not old:
        return None
    click.echo(
        "Warning: TEAMTRECK_KEY_STORE is deprecated; rename it to TEAMTRECK_KEY_STORE_DIR "
        "(the name the API and `teamtreck up` use).",
        err=True,
    )
    return Path(old)


@lake.group()
def keys() -> None:
    """Company key pairs: private keys stay in the key store, public keys go to collectors.

    \b
    Example:
      teamtreck lake keys create --company acme
    """


@keys.command("create")
@click.option("--company", "company_id", required=True, help="The company's id.")
@pass_lake
def create_key(options: LakeOptions, company_id: str) -> None:
    """Create the first key pair of a company and print its public key.

    \b
    Example:
      teamtreck lake keys create --company acme
    """
    store = options.key_store()
    try:
        existing = store.current_public_key(company_id)
    except KeyNotFoundError:
        pair = generate_company_key(company_id)
        store.save(pair)
        click.echo(f"created key {pair.public.key_id} for {company_id} in {store.root}")
        click.echo(pair.public.to_text())
        return
    raise click.ClickException(
        f"company {company_id!r} already has key {existing.key_id}; to replace it for new "
        f"data run: teamtreck lake keys rotate --company {company_id}"
    )


@keys.command("rotate")
@click.option("--company", "company_id", required=True, help="The company's id.")
@pass_lake
def rotate_key(options: LakeOptions, company_id: str) -> None:
    """Make a new current key: new data uses it, old data still opens with the old keys.

    Hand the new public key to the collectors (the API does so at their next login).

    \b
    Example:
      teamtreck lake keys rotate --company acme
    """
    public = options.key_store().rotate(company_id)
    click.echo(f"company {company_id} now encrypts with key {public.key_id}")
    click.echo(public.to_text())


@keys.command("export-public")
@click.option("--company", "company_id", required=True, help="The company's id.")
@pass_lake
def export_public_key(options: LakeOptions, company_id: str) -> None:
    """Print the company's current public key as one line of text (safe to share).

    \b
    Example:
      teamtreck lake keys export-public --company acme > acme.pub
    """
    click.echo(options.key_store().current_public_key(company_id).to_text())


@keys.command("list")
@click.option("--company", "company_id", help="Only this company's keys.")
@pass_lake
def list_keys(options: LakeOptions, company_id: str | None) -> None:
    """List the keys in the key store (ids and dates; never the private keys).

    \b
    Example:
      teamtreck lake keys list --company acme
    """
    store = options.key_store()
    companies = [company_id] if company_id else store.companies()
    if not companies:
        click.echo(
            f"no keys in {store.root}; create one with: teamtreck lake keys create --company ID"
        )
    for company in companies:
        for info in store.keys(company):
            marker = "current" if info.current else "old"
            created = info.created_at.isoformat(timespec="seconds")
            click.echo(f"{info.company_id}\t{info.key_id}\t{created}\t{marker}")


# The reading side's commands: compact, sql, purge, retention, erase, simulate.
from lakehouse.commands import COMMANDS  # noqa: E402

for _command in COMMANDS:
    lake.add_command(_command)
