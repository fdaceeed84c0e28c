"""The direction of imports, checked for real: import each package in a fresh interpreter.

An employee's machine must never load DuckDB, Polars, FastAPI or Streamlit through the collector,
the lakehouse imports nothing of ours, and nothing imports the collector or the dashboards. The
same rules are declared for import-linter in pyproject.toml; both are run here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["duckdb", "polars", "fastapi", "streamlit"]

# Imports every module (or only the given ones), and reports which import first pulled in each
# forbidden top-level module; modules that cannot be imported here are reported separately.
_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    package, walk, forbidden = sys.argv[1], sys.argv[2] == "walk", set(sys.argv[3].split(","))
    found, broken = {}, {}

    def check(name):
        try:
            importlib.import_module(name)
        except Exception as e:  # a module that needs a display, another OS or an extra
            broken[name] = f"{type(e).__name__}: {e}"
        loaded = {m.split(".")[0] for m in sys.modules} | set(sys.modules)
        for bad in sorted(forbidden & loaded):
            found.setdefault(bad, name)

    check(package)
    if walk and hasattr(sys.modules.get(package), "__path__"):
        pkg = sys.modules[package]
        for info in pkgutil.walk_packages(pkg.__path__, package + ".", onerror=lambda n: None):
            if not info.name.endswith("__main__"):  # running it would start the program
                check(info.name)
    print(json.dumps({"found": found, "broken": broken}))
    """
)


def _probe(module: str, forbidden: list[str], walk: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DISPLAY", None)  # importing must not need a desktop session
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module, "walk" if walk else "one", ",".join(forbidden)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["broken"]:
        warnings.warn(f"could not import to check: {report['broken']}", stacklevel=2)
    found: dict[str, str] = report["found"]
    return found


RULES = [
    # (what is imported, walk every module of it?, what it must never load)
    ("collector", True, [*HEAVY, "api", "dashboards"]),
    ("lakehouse", False, ["collector", "api", "dashboards", "duckdb", "polars"]),
    ("lakehouse", True, ["collector", "api", "dashboards"]),
    ("lakehouse.writer", False, [*HEAVY, "collector", "api", "dashboards"]),
    ("api", True, ["collector", "dashboards"]),
    ("dashboards", True, ["api", "collector"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "walk", "forbidden"),
    RULES,
    ids=[f"{m}{'-all' if w else ''}" for m, w, _ in RULES],
)
def test_package_never_loads_what_it_must_not(
    module: str, walk: bool, forbidden: list[str]
) -> None:
    found = _probe(module, forbidden, walk)
    assert found == {}, f"importing these modules loaded forbidden ones: {found}"


def test_probe_catches_a_violation() -> None:
    # The check itself must be able to fail: json loads nothing forbidden, but the probe sees it.
    assert _probe("json", ["json"], walk=False) == {"json": "json"}


@pytest.mark.slow
def test_import_linter_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint_imports, "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=240
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout, result.stdout
