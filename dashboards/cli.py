"""`teamtreck dashboard` — serve the managers' dashboards (Streamlit) in the browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from dashboards.config import ENV_PREFIX

APP = Path(__file__).with_name("app.py")


def streamlit_command(host: str, port: int) -> list[str]:
    """The `streamlit run` command line for the app, headless and without telemetry."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def settings_env(
    api_url: str | None, lake_url: str | None, keys_dir: Path | None, storage_options: str | None
) -> dict[str, str]:
    """The environment handing the options to the app process (unset options keep the env's)."""
    env: dict[str, str] = {}
    if api_url:
        env[ENV_PREFIX + "API_URL"] = api_url
    if lake_url:
        env[ENV_PREFIX + "LAKE_URL"] = lake_url
    if keys_dir:
        env[ENV_PREFIX + "KEYS_DIR"] = str(keys_dir)
    if storage_options:
        try:
            json.loads(storage_options)
        except ValueError as e:
            raise click.BadParameter(f"not JSON: {e}", param_hint="--storage-options") from e
        env[ENV_PREFIX + "STORAGE_OPTIONS"] = storage_options
    return env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8501, show_default=True, type=int, help="Port to listen on.")
@click.option("--api-url", help="Base URL of the API (default http://127.0.0.1:8000).")
@click.option("--lake-url", help="Root of the lake: a folder or s3://bucket/prefix.")
@click.option("--keys-dir", type=click.Path(path_type=Path), help="Folder of the key store.")
@click.option("--storage-options", help='fsspec options as JSON, e.g. \'{"endpoint_url": "…"}\'.')
def dashboard(
    host: str,
    port: int,
    api_url: str | None,
    lake_url: str | None,
    keys_dir: Path | None,
    storage_options: str | None,
) -> None:
    """Serve the managers' dashboards.

    Example:

        teamtreck dashboard --port 8501 --api-url http://127.0.0.1:8000
    """
    env = {**os.environ, **settings_env(api_url, lake_url, keys_dir, storage_options)}
    click.echo(
        f"Dashboards on http://{host}:{port} (API {env.get(ENV_PREFIX + 'API_URL', 'default')})"
    )
    completed = subprocess.run(streamlit_command(host, port), env=env, check=False)
    sys.exit(completed.returncode)
