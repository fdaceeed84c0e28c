"""The reading side's `teamtreck lake` commands: compact, sql, purge, retention, erase, simulate.

`lakehouse.cli` adds them to the `lake` group; each is a thin layer over the library, and its
help is its docstring, with an example.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pyarrow as pa

    from lakehouse.cli import LakeOptions


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (a scheduler or `teamtreck up` ending the job) into a normal exit, so the
    lake's lease is released on the way out instead of blocking the next run until it expires."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _progress_bar(label: str) -> Any:
    from tqdm import tqdm

    # Shown only on runs longer than a second, on stderr, so summaries stay clean on stdout.
    return tqdm(desc=label, unit=" files", delay=1.0, file=sys.stderr, leave=False)


@click.command("compact")
@click.option("--company", "company_ids", multiple=True, help="Only these companies (repeatable).")
@click.option("--workers", default=2, show_default=True, help="Threads reading landing files.")
@click.pass_obj
def compact_command(options: LakeOptions, company_ids: tuple[str, ...], workers: int) -> None:
    """Turn new landing files into curated, encrypted, deduplicated Parquet.

    Refused files go to quarantine/ with a reason record. Safe to re-run: files already
    ingested are skipped and re-uploaded rows are never counted twice.

    \b
    Example:
      teamtreck lake compact
    """
    from lakehouse.compaction import compact

    _exit_cleanly_on_sigterm()
    bar = _progress_bar("compacting")

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done)

    try:
        summary = compact(
            options.store(),
            options.key_store(),
            company_ids=company_ids or None,
            workers=workers,
            progress=progress,
        )
    finally:
        bar.close()
    click.echo("\n".join(summary.lines()))


def _print_table(table: pa.Table, output_format: str, max_rows: int) -> None:
    import pyarrow.csv as pacsv

    if output_format == "csv":
        sink = __import__("io").BytesIO()
        pacsv.write_csv(table, sink)
        click.echo(sink.getvalue().decode(), nl=False)
    elif output_format == "json":
        click.echo(json.dumps(table.to_pylist(), default=str, indent=2))
    else:
        import polars as pl

        frame = pl.from_arrow(table)
        with pl.Config(tbl_rows=max_rows, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
            click.echo(frame)


def _write_file(table: pa.Table, out: Path) -> None:
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out, compression="zstd")
    elif out.suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, out)
    else:
        raise click.BadParameter("use a .parquet or .csv file name", param_hint="--out")


@click.command("sql")
@click.argument("query")
@click.option("--company", "company_id", help="Only this company's data.")
@click.option("--include-landing", is_flag=True, help="Add rows not compacted yet.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--max-rows", default=50, show_default=True, help="Rows shown as a table.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the result to a .parquet or .csv file instead (NOT encrypted: keep it safe).",
)
@click.pass_obj
def sql_command(
    options: LakeOptions,
    query: str,
    company_id: str | None,
    include_landing: bool,
    output_format: str,
    max_rows: int,
    out: Path | None,
) -> None:
    """Run SQL over the lake's views (activity, screenshots, sessions, daily_summary, …).

    \b
    Example:
      teamtreck lake sql "SELECT user_id, sum(duration_seconds) FROM activity GROUP BY 1"
    """
    import duckdb

    from lakehouse.engine import Lake, connect

    lake = Lake(options.store(), options.key_store())
    con = connect(lake=lake, company_id=company_id, include_landing=include_landing)
    try:
        table = con.sql(query).to_arrow_table()
    except duckdb.Error as e:
        raise click.ClickException(f"the query failed: {e}") from e
    if out is not None:
        _write_file(table, out)
        click.echo(f"wrote {table.num_rows} rows to {out}")
        return
    _print_table(table, output_format, max_rows)


@click.command("purge")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Purge as if today were this day.")
@click.pass_obj
def purge_command(options: LakeOptions, today: dt.datetime | None) -> None:
    """Delete data older than each company's retention (default 90 days) from every area.

    \b
    Example:
      teamtreck lake retention --company acme --days 30
      teamtreck lake purge
    """
    from lakehouse.retention import purge

    report = purge(options.store(), today.date() if today else None)
    click.echo("\n".join(report.lines()))


@click.command("repair-rollups")
@click.option("--company", "company_id", required=True, help="The company's id.")
@click.pass_obj
def repair_rollups_command(options: LakeOptions, company_id: str) -> None:
    """Give every day of a company the per-day rollups its activity parts lack.

    A lake written before a rollup existed still answers (those days are summed from their
    samples on every read); this writes the rollups once, so old days answer as fast as new ones.
    Safe to re-run; waits for a running compaction.

    \b
    Example:
      teamtreck lake repair-rollups --company acme
    """
    from lakehouse.rollups import pair_all

    _exit_cleanly_on_sigterm()
    days = pair_all(options.store(), options.key_store(), company_id)
    click.echo(f"{company_id}: {days} days have every rollup")


@click.command("retention")
@click.option("--company", "company_id", required=True, help="The company's id.")
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (else: show).")
@click.pass_obj
def retention_command(options: LakeOptions, company_id: str, days: int | None) -> None:
    """Show or set how many days a company's data is kept.

    \b
    Example:
      teamtreck lake retention --company acme --days 30
    """
    from lakehouse.retention import retention_days, set_retention_days

    store = options.store()
    if days is not None:
        set_retention_days(store, company_id, days)
    click.echo(f"{company_id}: {retention_days(store, company_id)} days")


@click.command("erase")
@click.option("--company", "company_id", required=True, help="The company's id.")
@click.option("--user", "user_id", required=True, help="The person to erase.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase_command(options: LakeOptions, company_id: str, user_id: str, yes: bool) -> None:
    """Remove every row and image of one person, then check that nothing remains.

    \b
    Example:
      teamtreck lake erase --company acme --user user-0042 --yes
    """
    from lakehouse.erasure import erase_user, find_remains

    if not yes:
        click.confirm(
            f"Erase everything of {user_id} in {company_id}? This cannot be undone", abort=True
        )
    store, key_store = options.store(), options.key_store()
    report = erase_user(store, key_store, company_id, user_id)
    click.echo("\n".join(report.lines()))
    remains = find_remains(store, key_store, company_id, user_id)
    if remains:
        raise click.ClickException(f"something remains, run erase again: {remains[:5]}")
    click.echo("checked: nothing of theirs remains in the lake")


@click.command("simulate")
@click.option("--company", "company_id", required=True, help="The company (needs a key).")
@click.option("--users", default=10, show_default=True, help="People to simulate.")
@click.option("--days", default=1, show_default=True, help="Days to simulate.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day [default: days ago].")
@click.option("--seed", default=0, show_default=True, help="Same seed, same data.")
@click.option("--hours", default=8.0, show_default=True, help="Length of each workday.")
@click.option("--screenshots-per-hour", default=2.0, show_default=True)
@click.option("--robots", default=0, show_default=True, help="Machine-like users (jigglers).")
@click.option("--workers", default=2, show_default=True, help="Threads writing files.")
@click.pass_obj
def simulate_command(
    options: LakeOptions,
    company_id: str,
    users: int,
    days: int,
    start: dt.datetime | None,
    seed: int,
    hours: float,
    screenshots_per_hour: float,
    robots: int,
    workers: int,
) -> None:
    """Write realistic landing data, exactly as collectors would (with the public key only).

    \b
    Example:
      teamtreck lake simulate --company acme --users 50 --days 3 --seed 7
    """
    from lakehouse.simulate import Workday, simulate

    public_key = options.key_store().current_public_key(company_id)
    first = start.date() if start else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)
    work = Workday(
        workday_seconds=int(hours * 3600),
        screenshots_per_hour=screenshots_per_hour,
        robot_users=robots,
    )
    bar = _progress_bar("simulating")
    try:
        report = simulate(
            options.store(),
            public_key,
            users=users,
            days=days,
            start_day=first,
            seed=seed,
            work=work,
            workers=workers,
            progress=bar.update,
        )
    finally:
        bar.close()
    rows = ", ".join(f"{n} {table}" for table, n in report.rows.items())
    click.echo(
        f"wrote {report.files} files and {report.images} images ({rows} rows) "
        f"in {report.seconds:.1f} s"
    )


COMMANDS = [
    compact_command,
    repair_rollups_command,
    sql_command,
    purge_command,
    retention_command,
    erase_command,
    simulate_command,
]
