"""`teamtreck api` — run the API server, or administer it.

Examples:

    teamtreck api --host 0.0.0.0 --port 8000 --workers 2
    teamtreck api create-company --name "Acme" --admin-email boss@acme.example

Settings come from TEAMTRECK_* environment variables (api/config.py, docs/security.md).
"""

from __future__ import annotations

import click

from api.config import Settings


@click.group(invoke_without_command=True, help=__doc__)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Worker processes (for PostgreSQL; on SQLite one process is fastest).",
)
@click.pass_context
def api(ctx: click.Context, host: str, port: int, workers: int) -> None:
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from api.app import create_app
    from api.db.engine import build_engine
    from api.db.migrate import upgrade

    settings = Settings()
    engine = build_engine(settings.resolved_database_url())
    upgrade(engine)  # once here, not racing in every worker
    engine.dispose()
    common = {
        "host": host,
        "port": port,
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,
        "proxy_headers": settings.trust_forwarded_for,
    }
    if workers > 1:
        uvicorn.run("api.app:app_from_env", factory=True, workers=workers, **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(create_app(settings.model_copy(update={"migrate_on_start": False})), **common)  # type: ignore[arg-type]


@api.command("create-company")
@click.option("--name", required=True, help="The company's name.")
@click.option("--admin-email", required=True, help="Email of the first company_admin.")
@click.option("--admin-name", default="", help="Their display name (default: from the email).")
@click.option(
    "--admin-password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Their password (asked for when not given).",
)
def create_company_command(
    name: str, admin_email: str, admin_name: str, admin_password: str
) -> None:
    """Create a company, its first admin and its encryption key pair.

    The public key goes into the database; the private key into the lake's key store
    (<home>/keys by default). Example:

        teamtreck api create-company --name Acme --admin-email boss@acme.example
    """
    from api.bootstrap import bootstrap_company
    from api.errors import ApiError

    try:
        made = bootstrap_company(
            Settings(),
            name=name,
            admin_email=admin_email,
            admin_password=admin_password,
            admin_name=admin_name,
        )
    except ApiError as e:
        raise click.ClickException(e.message) from e
    click.echo(f"company_id: {made.company_id}\nadmin_id: {made.admin_id}\nkey_id: {made.key_id}")


@api.command("sync-company-key")
@click.option("--company", "company_id", required=True, help="The company's id.")
def sync_company_key_command(company_id: str) -> None:
    """Hand collectors the company's current public key after the lake rotated it.

    Example (after `teamtreck lake keys rotate --company <id>`):

        teamtreck api sync-company-key --company <id>
    """
    from api.bootstrap import sync_company_key
    from api.errors import ApiError

    try:
        key_id = sync_company_key(Settings(), company_id)
    except ApiError as e:
        raise click.ClickException(e.message) from e
    click.echo(f"key_id: {key_id}")
