"""The lakehouse's public surface: what notebooks and the other parts may import."""

from __future__ import annotations

import subprocess
import sys

import lakehouse


def _isort_style(name: str) -> tuple[int, str]:
    # constants, then classes, then functions, as ruff's RUF022 keeps them
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_unique() -> None:
    assert lakehouse.__all__ == sorted(set(lakehouse.__all__), key=_isort_style)


def test_every_public_name_resolves() -> None:
    missing = [name for name in lakehouse.__all__ if getattr(lakehouse, name, None) is None]
    assert missing == []


def test_lazy_names_are_public() -> None:
    assert set(lakehouse._LAZY) | set(lakehouse._LAZY_MODULES) <= set(lakehouse.__all__)


def test_importing_lakehouse_stays_light() -> None:
    code = "import sys, lakehouse; print(sorted({'duckdb', 'polars'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert callable(lakehouse.connect)
    assert callable(lakehouse.metrics.daily_summary)


def test_unknown_names_raise_attribute_error() -> None:
    assert not hasattr(lakehouse, "no_such_thing")


def test_star_import_gives_exactly_the_public_names() -> None:
    code = "from lakehouse import *; print(sorted(k for k in dir() if not k.startswith('_')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == str(sorted(lakehouse.__all__))


def test_what_a_collector_imports_loads_no_arrow() -> None:
    # A collector checks and seals rows and images; pyarrow would double its memory.
    code = (
        "import sys, lakehouse, lakehouse.keys, lakehouse.layout, lakehouse.schema, "
        "lakehouse.crypto, lakehouse.sealed_rows, lakehouse.row_checks, lakehouse.storage; "
        "print(sorted({'pyarrow', 'numpy'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    from lakehouse import schema

    assert schema.TABLES["activity"].field("ts").type.tz == "UTC"  # built on first use
