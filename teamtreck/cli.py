"""`teamtreck <part> …` — each part's commands live in that part's own `cli` module.

Every part reads its settings from `TEAMTRECK_*` environment variables and from the config
file (`$TEAMTRECK_HOME/teamtreck.toml`, `$TEAMTRECK_CONFIG` or `--config`); the environment wins.

\b
Examples:
    teamtreck lake keys create --company acme
    teamtreck lake compact
    teamtreck --config /etc/teamtreck.toml api --port 8000
    teamtreck collector doctor
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

import click

from teamtreck.config_file import ConfigFileError, load_config

# Key of the read config file in the click context's meta (`up --config` may replace it).
CONFIG_META = "teamtreck.config"

# subcommand -> "module:attribute" of a click command; imported only when invoked.
PARTS: dict[str, tuple[str, str]] = {
    "lake": ("lakehouse.cli:lake", "The encrypted lake: keys, compaction, queries, retention."),
    "api": ("api.cli:api", "The API server and its administration."),
    "collector": ("collector.cli:collector", "The desktop collector (an employee's agent)."),
    "dashboard": ("dashboards.cli:dashboard", "The managers' dashboards (Streamlit)."),
    "up": ("teamtreck.up:up", "Start everything on one machine with embedded defaults."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(PARTS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in PARTS:
            return None
        target, _ = PARTS[cmd_name]
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            raise click.ClickException(
                f"'teamtreck {cmd_name}' needs an optional part that is not installed ({e.name}). "
                "Install it with: pip install 'teamtreck[all]'"
            ) from e
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help must not import every part (and its heavy dependencies).
        rows = [(name, PARTS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, help=__doc__)
@click.version_option(package_name="teamtreck")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (TOML). [default: $TEAMTRECK_CONFIG or <home>/teamtreck.toml]",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, config: Path | None) -> None:
    # Before any part runs, so every subcommand sees the file's settings as if they were set
    # in the environment (and one actually set there still wins).
    try:
        ctx.meta[CONFIG_META] = load_config(config)
    except ConfigFileError as e:
        raise click.ClickException(str(e)) from e
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        level=os.environ.get("TEAMTRECK_LOG_LEVEL", level),
        format="%(levelname)s %(name)s: %(message)s",
    )
