"""The analysts' notebooks run top to bottom on a simulated lake and check their own results.

Each notebook asserts its key findings in its cells (for example notebook 04 must find exactly
the machine-like user the simulator planted); a failing assert fails the test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import lakehouse
from lakehouse.simulate import Workday, simulate

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
USERS = 6
ROBOT = f"user-{USERS:04d}"  # the simulator makes the last users machine-like


@pytest.fixture(scope="module")
def simulated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment folder with a key store and two compacted days of six people, one a robot."""
    home = tmp_path_factory.mktemp("notebook-home")
    keys = lakehouse.FileKeyStore(home / "keys")
    pair = lakehouse.generate_company_key("acme")
    keys.save(pair)
    store = lakehouse.open_store((home / "lake").as_uri())
    today = dt.datetime.now(dt.UTC).date()
    work = Workday(workday_seconds=2 * 3600, robot_users=1)
    simulate(store, pair.public, users=USERS, days=2,
                       start_day=today - dt.timedelta(days=2), work=work)  # fmt: skip
    lakehouse.compact(store, keys)
    return home


def test_there_are_four_notebooks_with_outputs_stripped() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, path.name
                assert cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_and_its_asserts_hold(
    path: Path, simulated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TEAMTRECK_HOME", str(simulated_home))
    monkeypatch.delenv("TEAMTRECK_LAKE_URL", raising=False)
    monkeypatch.setenv("TEAMTRECK_COMPANY", "acme")
    monkeypatch.setenv("TEAMTRECK_EXPECTED_ROBOTS", ROBOT)
    notebook = nbformat.read(path, as_version=4)
    where = {"metadata": {"path": str(tmp_path)}}
    client = NotebookClient(notebook, timeout=240, kernel_name="python3", resources=where)
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
