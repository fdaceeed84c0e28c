"""From real windows and real input to the encrypted lake: the rules hold all the way.

A real X server, the real desktop source, the real agent pipeline (batcher, spool, uploader) and
a local lake; the lake is read back with the company's private key, as the compactor would.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pipeline_rows import COMPANY, USER, company_keys, read_landing
from sensing_helpers import wait_for_keys

from collector.agent import assemble
from collector.config import CollectorSettings
from collector.desktop_source import make_desktop_source
from collector.rules import REDACTED_APP, Rules
from lakehouse.crypto import open_image
from lakehouse.storage import open_store

pytestmark = pytest.mark.display

RULES = Rules.model_validate(
    {
        "tracking": {"sensitive_apps": ["xterm"], "title_masks": ["Jane Roe"]},
        "screenshots": {"per_hour": 30, "jitter_seconds": 0, "monitor_mode": "primary"},
    }
)


def test_a_sensitive_window_reaches_the_lake_only_as_redacted(
    tmp_path: Path, titled_window: Callable[..., object], xdotool
) -> None:
    titled_window("Vault — hunter2 for Jane Roe")
    pair, key_store = company_keys()
    settings = CollectorSettings(
        company_id=COMPANY,
        user_id=USER,
        public_key=pair.public.to_text(),
        spool_dir=tmp_path / "collector",
        lake_url=(tmp_path / "lake").as_uri(),
    )
    agent = assemble(settings, make_desktop_source(RULES, agent_version="0.1.0-test"))
    agent.start()
    try:
        agent.tick()
        xdotool.type("hunter2")
        wait_for_keys(agent.source, 7)  # type: ignore[arg-type]
        agent.tick()
    finally:
        agent.close(drain_seconds=30)
        xdotool.nudge()

    lake = open_store(settings.lake_url)
    tables = read_landing(lake, key_store)
    activity = tables["activity"]
    assert {(r["app"], r["title"], r["url"]) for r in activity} == {(REDACTED_APP, None, None)}
    assert sum(r["keystrokes"] for r in activity) == 7
    assert "screenshots" not in tables  # never a picture of a sensitive window
    for path in lake.find("landing"):
        assert b"hunter2" not in lake.get_bytes(path)
        assert b"Jane" not in lake.get_bytes(path)


def test_a_plain_window_reaches_the_lake_masked_with_its_screenshot(
    tmp_path: Path, titled_window: Callable[..., object], xdotool
) -> None:
    titled_window("Ticket for Jane Roe", geometry="80x24+100+100")
    pair, key_store = company_keys()
    settings = CollectorSettings(
        company_id=COMPANY,
        user_id=USER,
        public_key=pair.public.to_text(),
        spool_dir=tmp_path / "collector",
        lake_url=(tmp_path / "lake").as_uri(),
    )
    rules = RULES.model_copy(
        update={"tracking": RULES.tracking.model_copy(update={"sensitive_apps": ()})}
    )
    agent = assemble(settings, make_desktop_source(rules, agent_version="0.1.0-test"))
    agent.start()
    try:
        agent.tick()
        xdotool.type("abc")
        wait_for_keys(agent.source, 3)  # type: ignore[arg-type]
        agent.tick()
    finally:
        agent.close(drain_seconds=30)
        xdotool.nudge()

    lake = open_store(settings.lake_url)
    tables = read_landing(lake, key_store)
    activity = tables["activity"]
    assert {(r["app"], r["title"]) for r in activity} == {("xterm", "Ticket for [masked]")}
    assert sum(r["keystrokes"] for r in activity) == 3
    (shot,) = tables["screenshots"]
    assert shot["title"] == "Ticket for [masked]"
    image = open_image(lake.get_bytes(shot["object_path"]), key_store, shot["object_path"])
    assert Image.open(io.BytesIO(image)).size == (shot["width"], shot["height"]) == (1280, 720)
