"""`teamtreck up` — the whole platform on one machine: API, dashboards, compaction, a collector.

\b
Examples:
    teamtreck up                      # SQLite, a local lake and key store under $TEAMTRECK_HOME
    teamtreck up --demo               # first fill the lake with simulated weeks of a small company
    teamtreck up --database-url postgresql+psycopg://tt@127.0.0.1/tt \\
                 --lake-url s3://activity/lake --s3-endpoint-url http://127.0.0.1:9000

The first run creates a company and its admin and prints how to sign in; later runs reuse them.
Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from pathlib import Path

import click

from teamtreck.compactor import Compactor
from teamtreck.config_file import ConfigFileError, LoadedConfig, load_config, switch_config
from teamtreck.deployment import Deployment
from teamtreck.supervisor import Child, StartupError, Supervisor, teamtreck_argv

log = logging.getLogger(__name__)


def _lake_storage_options() -> dict[str, str]:
    """fsspec options for an S3 lake, from the same TEAMTRECK_S3_* settings the API uses."""
    options = {
        "endpoint_url": os.environ.get("TEAMTRECK_S3_ENDPOINT_URL", ""),
        "region": os.environ.get("TEAMTRECK_S3_REGION", ""),
        "key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "secret": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
    }
    return {k: v for k, v in options.items() if v}


def _fill_demo_in_background(
    home: Path, deployment: Deployment, key_dir: Path, compactor: Compactor, stop: threading.Event
) -> None:
    from teamtreck.deployment import fill_demo_lake

    def fill() -> None:
        try:
            fill_demo_lake(
                home,
                deployment,
                os.environ["TEAMTRECK_LAKE_URL"],
                _lake_storage_options(),
                key_dir,
                compactor.run,
                click.echo,
                stop,
            )
        except Exception:  # the services stay up; the next `up --demo` resumes the fill
            log.exception("filling the demo lake failed")

    threading.Thread(target=fill, daemon=True, name="demo-fill").start()


def _use_config_file(ctx: click.Context, config: Path | None) -> None:
    """The launcher read the default config file already; `--config` replaces it."""
    from teamtreck.cli import CONFIG_META

    loaded: LoadedConfig | None = ctx.meta.get(CONFIG_META)
    try:
        if config is not None:
            ctx.meta[CONFIG_META] = switch_config(loaded, config)
        elif loaded is None:  # `up` run on its own, not through the launcher
            ctx.meta[CONFIG_META] = load_config()
    except ConfigFileError as e:
        raise click.ClickException(str(e)) from e


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _export(name: str, value: str | None) -> None:
    if value:
        os.environ[name] = value


@click.command(help=__doc__)
@click.option("--demo", is_flag=True, help="Fill the lake with simulated weeks of demo people.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--api-port", default=8000, show_default=True, type=int)
@click.option("--dashboard-port", default=8501, show_default=True, type=int)
@click.option("--database-url", help="SQLAlchemy URL (default: SQLite in the deployment folder).")
@click.option("--lake-url", help="Root of the lake: a folder or s3://bucket/prefix.")
@click.option("--s3-endpoint-url", help="S3-compatible endpoint for an s3:// lake.")
@click.option("--compact-every", default=300, show_default=True, type=float, help="Seconds.")
@click.option(
    "--collector/--no-collector",
    default=None,
    help="Run a collector on this desktop, signed in as a demo employee "
    "(default: when a display is available and the collector is installed).",
)
@click.option("--config", type=click.Path(path_type=Path), help="Config file (TOML).")
@click.pass_context
def up(
    ctx: click.Context,
    demo: bool,
    host: str,
    api_port: int,
    dashboard_port: int,
    database_url: str | None,
    lake_url: str | None,
    s3_endpoint_url: str | None,
    compact_every: float,
    collector: bool | None,
    config: Path | None,
) -> None:
    from lakehouse.home import teamtreck_home

    home = teamtreck_home()
    os.environ["TEAMTRECK_HOME"] = str(home)
    _use_config_file(ctx, config)
    _export("TEAMTRECK_DATABASE_URL", database_url)
    _export("TEAMTRECK_LAKE_URL", lake_url)
    _export("TEAMTRECK_S3_ENDPOINT_URL", s3_endpoint_url)
    api_url = f"http://{host}:{api_port}"
    deployment = _prepare(home, demo, api_url)

    supervisor = Supervisor()
    stop = threading.Event()
    compactor = Compactor(stop)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop = Ctrl-C
    try:
        _start_services(supervisor, host, api_port, dashboard_port, api_url)
        if collector if collector is not None else _desktop_available():
            _start_collector(supervisor, home, deployment, api_url)
        key_dir = Path(os.environ["TEAMTRECK_KEY_STORE_DIR"])
        threading.Thread(
            target=compactor.every, args=(compact_every,), daemon=True, name="compaction"
        ).start()
        if demo:
            _fill_demo_in_background(home, deployment, key_dir, compactor, stop)
        click.echo(f"\nAPI         {api_url}/docs\nDashboards  http://{host}:{dashboard_port}")
        click.echo(f"Sign-in details: {home / 'sign-in.txt'}\nCtrl-C stops everything.")
        _wait(supervisor)
    except StartupError as e:
        raise click.ClickException(str(e)) from e
    except KeyboardInterrupt:
        click.echo("\nStopping…")
    finally:
        stop.set()
        compactor.end()
        supervisor.stop_all()


def _prepare(home: Path, demo: bool, api_url: str) -> Deployment:
    """First run: company, admin (and demo people and their weeks); later runs reuse them."""
    from api.config import Settings as ApiSettings
    from teamtreck.deployment import add_demo_people, ensure_company

    settings = ApiSettings()
    os.environ["TEAMTRECK_LAKE_URL"] = settings.resolved_lake_url()
    os.environ["TEAMTRECK_KEY_STORE_DIR"] = str(settings.resolved_key_store_dir())
    os.environ.setdefault("TEAMTRECK_DASHBOARD_API_URL", api_url)
    os.environ.setdefault("TEAMTRECK_DASHBOARD_LAKE_URL", os.environ["TEAMTRECK_LAKE_URL"])
    os.environ.setdefault("TEAMTRECK_DASHBOARD_KEYS_DIR", os.environ["TEAMTRECK_KEY_STORE_DIR"])
    storage = _lake_storage_options()
    if storage:
        os.environ.setdefault("TEAMTRECK_DASHBOARD_STORAGE_OPTIONS", json.dumps(storage))
    deployment, created = ensure_company(settings, home)
    if created:
        click.echo(f"Created the company and its admin; sign-in details in {home / 'sign-in.txt'}")
    if demo:
        add_demo_people(settings, home, deployment)
    return deployment


def _start_services(
    supervisor: Supervisor, host: str, api_port: int, dashboard_port: int, api_url: str
) -> None:
    env = dict(os.environ)
    supervisor.start(
        Child(
            "API",
            teamtreck_argv("api", "--host", host, "--port", str(api_port)),
            env,
            ready_url=f"{api_url}/health",
        )
    )
    supervisor.start(
        Child(
            "dashboards",
            teamtreck_argv("dashboard", "--host", host, "--port", str(dashboard_port)),
            env,
            ready_url=f"http://{host}:{dashboard_port}/_stcore/health",
        )
    )


def _desktop_available() -> bool:
    import importlib.util

    return bool(os.environ.get("DISPLAY")) and importlib.util.find_spec("pystray") is not None


def _start_collector(
    supervisor: Supervisor, home: Path, deployment: Deployment, api_url: str
) -> None:
    """This desktop's collector, signed in once as the demo employee; work starts from its tray
    or `teamtreck collector start`."""
    import subprocess

    from api.config import Settings as ApiSettings
    from teamtreck.deployment import DESKTOP_EMAIL, add_desktop_employee

    password = add_desktop_employee(ApiSettings(), home, deployment)
    if password is not None:
        login = teamtreck_argv(
            "collector",
            "login",
            "--server",
            api_url,
            "--email",
            DESKTOP_EMAIL,
            "--password",
            password,
        )
        done = subprocess.run(login, env=dict(os.environ), capture_output=True, text=True)
        if done.returncode != 0:
            raise StartupError(f"the collector could not sign in: {done.stderr.strip()}")
    supervisor.start(
        Child(
            "collector", teamtreck_argv("collector", "app", "--server", api_url), dict(os.environ)
        )
    )
    click.echo(f"Collector   signed in as {DESKTOP_EMAIL}; `teamtreck collector start` starts work")


def _wait(supervisor: Supervisor) -> None:
    while True:
        stopped = supervisor.first_exited()
        if stopped is not None:
            raise click.ClickException(
                f"{stopped.name} stopped unexpectedly (exit code {stopped.exited()}); "
                "its output is above. Everything else is being stopped."
            )
        threading.Event().wait(1.0)
