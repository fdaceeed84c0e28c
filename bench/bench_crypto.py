"""What encryption costs on the writing side: PME batches and sealed screenshots.

Run: uv run --all-extras python bench/bench_crypto.py

Prints, per operation, the median and 95th percentile over repeated runs, plus sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from lakehouse.crypto import open_image, read_encrypted, seal_image
from lakehouse.keys import MemoryKeyStore, generate_company_key
from lakehouse.validation import validate_table
from lakehouse.writer import encrypt_table

PATH = "landing/images/company=acme/user=ada/date=2026-11-26/cap-1.webp.sealed"


def activity_rows(n: int) -> list[dict[str, Any]]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10 * n)
    apps = ["code", "firefox", "slack", "terminal", "zoom"]
    return [
        {
            "sample_id": uuid.uuid4().hex, "batch_id": "b1", "company_id": "acme",
            "user_id": "ada", "device_id": "d1", "session_id": "s1",
            "ts": start + dt.timedelta(seconds=10 * i), "duration_seconds": 10.0,
            "status": "active" if i % 9 else "idle", "idle_seconds": float(i % 7),
            "app": apps[i % 5], "title": f"document {i % 40} - {apps[i % 5]}",
            "url": f"https://example.com/page/{i % 30}", "domain": "example.com",
            "keystrokes": i % 90, "clicks": i % 11, "scrolls": i % 5,
            "mouse_distance_px": 37 * (i % 50), "agent_cpu_percent": 0.5,
            "agent_rss_bytes": 52_000_000, "agent_version": "0.1.0",
        }
        for i in range(n)
    ]  # fmt: skip


def measure(label: str, action: Callable[[], Any], repeat: int) -> float:
    action()  # warm up (imports, key-encryption-key cache)
    times_ms = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times_ms.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times_ms, n=20)[-1] if repeat >= 20 else max(times_ms)
    median = statistics.median(times_ms)
    print(f"{label:<48} median {median:8.3f} ms   p95 {p95:8.3f} ms   (n={repeat})")
    return median


def writer_import_ms() -> float:
    code = (
        "import time; t=time.perf_counter(); import lakehouse.writer; print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; shared and loaded")
    pair = generate_company_key("acme")
    keys = MemoryKeyStore()
    keys.save(pair)
    figures: dict[str, float] = {}
    for n, repeat in ((12, 200), (10_000, 20)):
        rows = activity_rows(n)
        data = encrypt_table("activity", rows, pair.public)
        print(f"\n{n:,} activity rows -> {len(data):,} bytes encrypted ({len(data) / n:.1f} B/row)")
        measure(f"validate only ({n:,} rows)", lambda r=rows: validate_table("activity", r), repeat)
        figures[f"pme_write_{n}_rows_ms"] = measure(
            f"validate + PME write ({n:,} rows)",
            lambda r=rows: encrypt_table("activity", r, pair.public),
            repeat,
        )
        measure(
            f"PME read with key store ({n:,} rows)", lambda d=data: read_encrypted(d, keys), repeat
        )
    image = os.urandom(200_000)
    sealed = seal_image(image, pair.public, PATH)
    print(f"\n200 KB image -> {len(sealed) - len(image)} bytes of envelope overhead")
    seal = measure("envelope seal (200 KB)", lambda: seal_image(image, pair.public, PATH), 300)
    opened = measure("envelope open (200 KB)", lambda: open_image(sealed, keys, PATH), 300)
    figures |= {
        "seal_200kb_ms": seal,
        "open_200kb_ms": opened,
        "writer_import_ms": writer_import_ms(),
    }
    print(f"\nimport lakehouse.writer in a fresh interpreter: {figures['writer_import_ms']:.0f} ms")
    print("BENCH_JSON " + json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
