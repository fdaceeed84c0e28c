"""Reading the lake: DuckDB and Polars over decrypted, partition-pruned curated data.

DuckDB cannot read Parquet Modular Encryption reliably itself, so each table is a
`pyarrow.dataset` that decrypts through the key store, registered in DuckDB; DuckDB pushes
column selections and filters into it, and Arrow skips partitions (company, date folders) and
row groups (by their statistics: data is sorted by user_id, ts) that cannot match.

Views of a connection (``company_id`` and ``day`` come from the folder names, so filtering on
them prunes whole folders):

- ``activity``, ``screenshots``, ``sessions`` — every column of the table plus ``day`` (DATE)
- ``daily_summary``, ``app_usage``, ``domain_usage`` — see `lakehouse.metrics`
- ``daily_parts``, ``app_parts``, ``title_parts`` — the rollups (`lakehouse.rollups`); an
  activity part without one of its rollups (written before that rollup existed, or a crash
  between the writes, until compaction repairs it) is summed from its samples instead

Example::

    con = connect(company_id="acme")
    con.sql("SELECT user_id, sum(duration_seconds) FROM activity "
            "WHERE day = DATE '2026-11-02' GROUP BY 1")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from lakehouse.crypto.pme import dataset_decryption_config
from lakehouse.curated import ALL_TABLES, CURATED, CURATED_TABLES, table_schema
from lakehouse.home import teamtreck_home
from lakehouse.keys import FileKeyStore, KeyStore
from lakehouse.layout import check_id
from lakehouse.storage import Store, open_store
from lakehouse.validation import schema_for

if TYPE_CHECKING:
    import duckdb
    import polars as pl

PARTITIONS = pa.schema([("company", pa.string()), ("date", pa.date32())])
ROLLUP_VIEWS = {"daily": "daily_parts", "apps": "app_parts", "titles": "title_parts"}


@dataclass
class Lake:
    """A lake and the keys to read it."""

    store: Store
    key_store: KeyStore

    @property
    def arrow_fs(self) -> pafs.FileSystem:
        """The store's filesystem as pyarrow sees it (native for local folders)."""
        if self.store.is_local:
            return pafs.LocalFileSystem()
        return pafs.PyFileSystem(pafs.FSSpecHandler(self.store.fs))


def open_lake(
    lake_url: str | None = None, keystore: KeyStore | None = None, **storage_options: Any
) -> Lake:
    """Open a lake (default: `$TEAMTRECK_LAKE_URL` or the local one) with a key store."""
    return Lake(
        open_store(lake_url, **storage_options),
        keystore if keystore is not None else FileKeyStore(teamtreck_home() / "keys"),
    )


def _empty(table_name: str) -> ds.Dataset:
    target = table_schema(table_name).remove_metadata()
    for field in PARTITIONS:
        target = target.append(field)
    return ds.dataset(target.empty_table())


def dataset(lake: Lake, table_name: str, company_id: str | None = None) -> ds.Dataset:
    """Return the decrypting Arrow dataset of a curated table (one company's, if given)."""
    if table_name not in ALL_TABLES:
        raise ValueError(f"unknown table {table_name!r}: expected one of {ALL_TABLES}.")
    base = f"{CURATED}/{table_name}"
    if company_id is not None:
        base += f"/company={check_id(company_id, 'company id')}"
    files = [p for p in lake.store.find(base) if p.endswith(".parquet")]
    if not files:
        return _empty(table_name)
    scan = ds.ParquetFragmentScanOptions(
        decryption_config=dataset_decryption_config(lake.key_store)
    )
    data = ds.dataset(
        [f"{lake.store.root}/{p}" for p in files],
        schema=_empty(table_name).schema,
        format=ds.ParquetFileFormat(default_fragment_scan_options=scan),
        filesystem=lake.arrow_fs,
        partitioning=ds.partitioning(PARTITIONS, flavor="hive"),
        partition_base_dir=f"{lake.store.root}/{CURATED}/{table_name}",
    )
    # Open every footer now, on this thread: it unwraps each key-encryption key through the key
    # store (a Python callback) before any DuckDB scan. Inside a DuckDB scan that callback would
    # come from an Arrow thread needing the GIL that DuckDB holds: a deadlock. It also keeps the
    # row-group statistics in memory for pruning.
    for fragment in data.get_fragments():
        fragment.ensure_complete_metadata()
    return data


def _unpaired_activity(data: ds.Dataset, rollup_data: ds.Dataset) -> ds.Dataset:
    """Return the activity parts of `data` that have no companion in `rollup_data` (same name)."""
    if not isinstance(data, ds.FileSystemDataset):
        return _empty("activity")  # no activity files
    paired = set()
    if isinstance(rollup_data, ds.FileSystemDataset):
        paired = {_part_key(path) for path in rollup_data.files}
    fragments = [f for f in data.get_fragments() if _part_key(f.path) not in paired]
    # The fragments keep the footers `dataset` opened (and their partition values).
    return ds.FileSystemDataset(
        fragments, data.schema, data.format, data.filesystem, data.partition_expression
    )


def _part_key(path: str) -> tuple[str, str, str]:
    # A rollup part has its activity part's company and date folders and file name.
    company, date, name = path.rsplit("/", 3)[1:]
    return company, date, name


def _view_sql(table_name: str, source: str) -> str:
    columns = [
        "company AS company_id" if name == "company_id" else f'"{name}"'
        for name in table_schema(table_name).names
    ]
    return f'SELECT {", ".join(columns)}, "date" AS day FROM {source}'  # noqa: S608 (constants and bound parameters only)


def connect(
    lake_url: str | None = None,
    keystore: KeyStore | None = None,
    include_landing: bool = False,
    company_id: str | None = None,
    *,
    lake: Lake | None = None,
    **storage_options: Any,
) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection with the lake's views (see the module docstring).

    `company_id` limits every view to one company (a dashboard's tenant). With
    `include_landing`, rows not compacted yet are added (checked like compaction does; bad files
    skipped, duplicates dropped). The views see the files present when connecting: connect again
    (it is cheap) to see newer data.
    """
    import duckdb

    from lakehouse import tail

    lake = lake or open_lake(lake_url, keystore, **storage_options)
    con = duckdb.connect()
    if not lake.store.is_local:
        con.register_filesystem(lake.store.fs)
    datasets = {table_name: dataset(lake, table_name, company_id) for table_name in ALL_TABLES}
    for table_name, data in datasets.items():
        con.register(f"curated_{table_name}", data)
    for rollup in ROLLUP_VIEWS:
        unpaired = _unpaired_activity(datasets["activity"], datasets[rollup])
        con.register(f"unpaired_{rollup}", unpaired)
    for table_name in CURATED_TABLES:
        view = _view_sql(table_name, f"curated_{table_name}")
        if include_landing:
            con.register(f"landing_{table_name}", tail.pending_rows(lake, table_name, company_id))
            view = tail.union_sql(table_name, view, _view_sql(table_name, f"landing_{table_name}"))
        con.execute(f"CREATE VIEW {table_name} AS {view}")
    landing_activity = _view_sql("activity", "landing_activity") if include_landing else None
    _create_metric_views(con, landing_activity)
    return con


def _create_metric_views(con: duckdb.DuckDBPyConnection, landing_activity: str | None) -> None:
    """Create the rollup views (stored rollups + those of unpaired activity parts and of
    `landing_activity` rows) and the metric views."""
    from lakehouse import metrics, rollups

    for rollup, sql in rollups.ROLLUPS.items():
        view = _view_sql(rollup, f"curated_{rollup}")
        unpaired = _view_sql("activity", f"unpaired_{rollup}")
        view += f" UNION ALL BY NAME ({sql.format(source=f'({unpaired})')})"
        if landing_activity is not None:
            view += f" UNION ALL BY NAME ({sql.format(source=f'({landing_activity})')})"
        con.execute(f"CREATE VIEW {ROLLUP_VIEWS[rollup]} AS {view}")
    for name, sql in metrics.VIEWS.items():
        con.execute(f"CREATE VIEW {name} AS {sql}")


def connect_tables(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """Return a connection with the lake's views over in-memory tables (tests, what-ifs).

    `tables` maps table names to rows in the table's schema; missing tables are empty.
    """
    import duckdb

    con = duckdb.connect()
    for table_name in CURATED_TABLES:
        rows = tables.get(table_name, schema_for(table_name).empty_table())
        rows = rows.cast(schema_for(table_name)).append_column("company", rows["company_id"])
        rows = rows.append_column("date", pc.cast(rows["ts"], pa.date32()))
        con.register(f"curated_{table_name}", rows)
        con.execute(f"CREATE VIEW {table_name} AS {_view_sql(table_name, f'curated_{table_name}')}")
    for rollup in ROLLUP_VIEWS:
        con.register(f"curated_{rollup}", _empty(rollup).to_table())
        con.register(f"unpaired_{rollup}", _empty("activity").to_table())
    _create_metric_views(con, "SELECT * FROM activity")
    return con


def scan(
    table_name: str,
    lake_url: str | None = None,
    keystore: KeyStore | None = None,
    company_id: str | None = None,
    *,
    lake: Lake | None = None,
) -> pl.LazyFrame:
    """Return a Polars LazyFrame over a curated table (same columns as the DuckDB view)."""
    import polars as pl

    lake = lake or open_lake(lake_url, keystore)
    frame = pl.scan_pyarrow_dataset(dataset(lake, table_name, company_id))
    return (
        frame.drop("company_id")
        .rename({"company": "company_id", "date": "day"})
        .select([*table_schema(table_name).names, "day"])
    )
