"""`teamtreck collector …`: the desktop collector's commands.

\b
Examples:
  teamtreck collector doctor                 # what works on this desktop
  teamtreck collector once --json            # one sample, after the privacy rules (nothing sent)
  teamtreck collector run --lake-url file:///srv/lake --public-key "$(cat acme.pub)"
  teamtreck collector retry                  # send again what was set aside
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from collector.config import CollectorSettings
from collector.errors import CollectorError
from collector.source import Observed


def agent_version() -> str:
    """The installed collector's version (stamped on every activity row)."""
    try:
        return version("teamtreck")
    except PackageNotFoundError:
        return "0.0.0"


class CollectorGroup(click.Group):
    """A group that turns the collector's errors into clean command-line errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CollectorError as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=CollectorGroup, help=__doc__)
def collector() -> None:
    pass


@collector.command()
@click.option("--json", "as_json", is_flag=True, help="Print the sample as JSON.")
@click.option("--seconds", default=2.0, show_default=True, help="How long the sample lasts.")
def once(as_json: bool, seconds: float) -> None:
    """Take one sample of this desktop, after the privacy rules, and print it.

    Nothing is stored or sent: this shows what a sample would hold (app, title after the
    company's masks, input counts, idle time) so you can check the collector on this desktop.

    \b
    Example:
      teamtreck collector once --json
    """
    row = _one_sample(seconds)
    if as_json:
        click.echo(json.dumps(row, default=_json_value, indent=2))
        return
    for key in ("ts", "duration_seconds", "status", "idle_seconds", "app", "title", "url"):
        click.echo(f"{key}: {_json_value(row[key]) if row[key] is not None else '-'}")
    counts = ("keystrokes", "clicks", "scrolls", "mouse_distance_px")
    click.echo("input: " + ", ".join(f"{row[k]} {k.replace('_px', ' px')}" for k in counts))


def _one_sample(seconds: float) -> dict[str, Any]:
    from collector.desktop_source import DesktopSource
    from collector.rules import Rules
    from lakehouse.layout import landing_path

    settings = CollectorSettings()
    ids = {
        "company_id": settings.company_id,
        "user_id": settings.user_id,
        "device_id": settings.device_id or "diagnosis",
        "session_id": "diagnosis",
    }

    def image_path(capture_id: str, fmt: str, day: dt.date) -> str:
        return landing_path("images", ids["company_id"], ids["user_id"], day, capture_id, fmt)

    source = DesktopSource(ids, image_path, Rules(), agent_version(), grab=lambda _rules: [])
    try:
        source.tick(dt.datetime.now(dt.UTC))  # the sample starts here
        time.sleep(seconds)
        now = dt.datetime.now(dt.UTC)
        observed = Observed()
        for part in (source.tick(now), source.flush(now)):
            observed.rows += part.rows
    finally:
        source.close()
    samples = [row for table, row in observed.rows if table == "activity"]
    if not samples:
        raise click.ClickException(
            "no sample was recorded: the active app is blocked by the rules or it is outside "
            "working hours."
        )
    return samples[0]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


@collector.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def doctor(as_json: bool) -> None:
    """Say what works on this desktop: display, window manager, idle source, input hooks,
    screenshots, monitors, storage, spool and clock. Exits 1 when something does not work.

    \b
    Example:
      teamtreck collector doctor
    """
    from collector.doctor import run_checks

    checks = run_checks(CollectorSettings())
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in checks], indent=2))
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            mark = "ok  " if c.ok else "FAIL"
            click.echo(f"{mark} {c.name:<{width}}  {c.detail}")
    if not all(c.ok for c in checks):
        raise SystemExit(1)


@collector.command()
@click.option("--lake-url", help="Where to write: a folder URL or s3://bucket/prefix.")
@click.option("--public-key", help="The company's public key (text, or @FILE to read it).")
@click.option("--company", "company_id", help="Company id.")
@click.option("--user", "user_id", help="User id.")
@click.option("--seconds", type=float, help="Stop after this long (default: until Ctrl-C).")
def run(
    lake_url: str | None,
    public_key: str | None,
    company_id: str | None,
    user_id: str | None,
    seconds: float | None,
) -> None:
    """Run the collector headless: sample, encrypt, spool and upload until stopped.

    Settings not given as options come from TEAMTRECK_COLLECTOR_* variables.

    \b
    Example:
      teamtreck collector run --lake-url s3://acme-lake --public-key @acme.pub \\
        --company acme --user alice
    """
    from collector.agent import assemble
    from collector.desktop_source import make_desktop_source
    from collector.footprint import slim_process
    from collector.rules import Rules

    slim_process()  # this process is the long-lived agent: keep it small
    if public_key and public_key.startswith("@"):
        public_key = Path(public_key[1:]).read_text().strip()
    given = {"lake_url": lake_url, "public_key": public_key, "company_id": company_id}
    settings = _settings_with(**given, user_id=user_id)
    agent = assemble(settings, make_desktop_source(Rules(), agent_version()))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if seconds is not None:
        threading.Timer(seconds, stop.set).start()
    agent.start()
    click.echo(f"collecting for {settings.user_id} into {settings.lake_url} (Ctrl-C stops)")
    try:
        agent.run(stop)
    finally:
        agent.close(drain_seconds=10)
    status = agent.status()
    click.echo(
        f"stopped: {status.rows_batched} rows, {status.uploads.uploaded} objects uploaded, "
        f"{status.spool.pending_count} waiting in the spool"
    )


def _settings_with(**given: str | None) -> CollectorSettings:
    """Settings from the environment, overridden by the options that were given."""
    chosen: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    return CollectorSettings(**chosen)


@collector.command()
def retry() -> None:
    """Put objects that kept failing to upload back in line (a running collector sends them).

    \b
    Example:
      teamtreck collector retry
    """
    from collector.spool import Spool

    settings = CollectorSettings()
    count = Spool(settings.spool_dir / "spool", settings.spool_budget_bytes).restore_aside()
    click.echo(f"{count} object(s) put back in line for upload")


def _add_employee_commands() -> None:
    from collector.employee_cli import COMMANDS

    for command in COMMANDS:
        collector.add_command(command)


_add_employee_commands()
