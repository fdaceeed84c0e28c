"""The employee's commands: sign in, run the collector, and talk to the running one.

teamtreck collector login --server https://teamtreck.example.com
teamtreck collector app            # the tray app (one per user)
teamtreck collector start | pause | resume | end | status | activity
teamtreck collector autostart on | off
"""

from __future__ import annotations

import json
import signal
from typing import Any

import click

from collector.control import AgentAlreadyRunning, ControlClient, ControlError, runtime_folder

DEFAULT_SERVER = "http://127.0.0.1:8000"


def _settings() -> Any:
    from collector.config import CollectorSettings

    return CollectorSettings(**{})


def _tell(command: str, **args: Any) -> dict[str, Any]:
    try:
        return ControlClient(runtime_folder(), timeout_seconds=60).send(command, **args)
    except ControlError as e:
        raise click.ClickException(str(e)) from e


def _print_status(status: dict[str, Any]) -> None:
    minutes = int(status.get("worked_seconds", 0)) // 60
    click.echo(f"state: {status['state']}")
    if status.get("session_id"):
        click.echo(f"session: {status['session_id']} ({minutes // 60} h {minutes % 60:02d} min)")
    click.echo(f"uploads waiting: {status['uploads_waiting']}")
    click.echo(f"session events waiting for the server: {status['events_waiting']}")
    if status.get("message"):
        click.echo(f"note: {status['message']}")


@click.command()
@click.option("--server", envvar="TEAMTRECK_SERVER", default=DEFAULT_SERVER, show_default=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True)
def login(server: str, email: str, password: str) -> None:
    """Sign this device in (asks for e-mail and password).

    Example: teamtreck collector login --server https://teamtreck.example.com
    """
    from collector.api_client import ApiError
    from collector.app import CollectorApp

    try:
        status = _tell_if_running("login", email=email, password=password)
        if status is None:
            CollectorApp(_settings(), server).sign_in_with(email, password)
    except ApiError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Signed in as {email}.")


def _tell_if_running(command: str, **args: Any) -> dict[str, Any] | None:
    from collector.control import AgentNotRunning

    try:
        return ControlClient(runtime_folder(), timeout_seconds=60).send(command, **args)
    except AgentNotRunning:
        return None
    except ControlError as e:
        raise click.ClickException(str(e)) from e


@click.command()
@click.option("--server", envvar="TEAMTRECK_SERVER", default=DEFAULT_SERVER, show_default=True)
@click.option("--no-tray", is_flag=True, help="Run without a tray icon (use the commands).")
def app(server: str, no_tray: bool) -> None:
    """Run the employee's collector: tray, sign-in, work sessions (one per user).

    Example: teamtreck collector app
    """
    from collector.app import CollectorApp
    from collector.footprint import slim_process
    from collector.logfile import setup_logging

    slim_process()  # this process is the long-lived agent: keep it small
    setup_logging()
    collector_app = CollectorApp(_settings(), server)
    for signum in (signal.SIGINT, signal.SIGTERM):  # ending work cleanly on logout/shutdown
        signal.signal(signum, lambda *_: collector_app.quit())
    try:
        collector_app.run(tray=not no_tray)
    except AgentAlreadyRunning as e:
        raise click.ClickException(str(e)) from e


def _action(name: str, help_text: str, example: str) -> click.Command:
    """A command that tells the running collector `name` and prints its status."""

    @click.command(name=name, help=f"{help_text}\n\n\b\nExample:\n  {example}")
    def command() -> None:
        _print_status(_tell(name))

    return command


start = _action(
    "start",
    "Start work (the running collector records from now).",
    "teamtreck collector start    # after 'teamtreck collector app' and a sign-in",
)
pause = _action(
    "pause",
    "Pause work: nothing is recorded until you resume.",
    "teamtreck collector pause    # a break; 'teamtreck collector resume' goes on",
)
resume = _action(
    "resume",
    "Resume work after a pause.",
    "teamtreck collector resume",
)
end = _action(
    "end",
    "End work for now.",
    "teamtreck collector end      # prints the state afterwards: not working",
)
status = _action(
    "status",
    "Show what the running collector is doing.",
    "teamtreck collector status   # state, session time, uploads and events still waiting",
)
quit_ = _action(
    "quit",
    "Stop the running collector (work in progress is ended first).",
    "teamtreck collector quit",
)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the address as JSON, open nothing.")
def activity(as_json: bool) -> None:
    """Open the page that shows what was recorded about you today.

    \b
    Example:
      teamtreck collector activity          # opens the page in the browser
      teamtreck collector activity --json   # only print its address
    """
    import webbrowser

    url = str(_tell("activity")["url"])
    if as_json:
        click.echo(json.dumps({"url": url}))
        return
    click.echo(url)
    webbrowser.open(url)


@click.command()
@click.argument("switch", type=click.Choice(["on", "off"]))
def autostart(switch: str) -> None:
    """Start the collector at login (on) or not (off).

    \b
    Example:
      teamtreck collector autostart on
    """
    import collector.autostart as startup

    if switch == "on":
        click.echo(f"The collector starts at login ({startup.install()}).")
    elif startup.remove():
        click.echo("The collector no longer starts at login.")
    else:
        click.echo("The collector was not set to start at login.")


COMMANDS = (login, app, start, pause, resume, end, status, quit_, activity, autostart)
