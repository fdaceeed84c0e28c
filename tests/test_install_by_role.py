"""Installing only what a role needs: the lock file's resolution per optional-dependency group."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER_SIDE = {"duckdb", "polars", "streamlit", "fastapi", "uvicorn", "sqlalchemy", "numpy"}


def resolved(*extras: str) -> set[str]:
    """Package names the lock file installs for the given extras (no dev tools)."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    args = [uv, "export", "--locked", "--no-dev", "--no-hashes", "--no-emit-project"]
    for extra in extras:
        args += ["--extra", extra]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {
        re.split(r"[=<>;\[ ]", line, maxsplit=1)[0].lower()
        for line in out.splitlines()
        if line and not line.startswith(("#", " ", "-"))
    }


def test_an_employee_machine_gets_no_readers_or_servers() -> None:
    packages = resolved("collector")
    assert {"mss", "pynput", "pystray", "pyarrow", "cryptography"} <= packages
    assert packages.isdisjoint(SERVER_SIDE), packages & SERVER_SIDE


def test_the_base_install_is_the_lake_writer_only() -> None:
    packages = resolved()
    assert {"pyarrow", "cryptography", "fsspec"} <= packages
    assert packages.isdisjoint(SERVER_SIDE | {"mss", "pynput", "pystray"})


def test_server_roles_get_what_they_serve_with() -> None:
    assert {"fastapi", "sqlalchemy", "duckdb"} <= resolved("api")
    dashboards = resolved("dashboards")
    assert {"streamlit", "duckdb", "polars"} <= dashboards
    assert dashboards.isdisjoint({"fastapi", "pynput", "mss"})
