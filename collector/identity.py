"""This device's identity: a UUID4 created on first run and kept in the collector's folder."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from pathlib import Path

from collector.errors import SpoolError
from collector.spool import ensure_private_dir

logger = logging.getLogger(__name__)

DEVICE_ID_FILE = "device_id"


def load_device_id(folder: Path) -> str:
    """Return this device's id, creating and persisting it on first use."""
    ensure_private_dir(folder)
    path = folder / DEVICE_ID_FILE
    if path.exists():
        return _read_device_id(path)
    candidate = str(uuid.uuid4())
    temp = folder / f".{DEVICE_ID_FILE}.{candidate}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(candidate + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # A hard link appears whole or not at all, and only once when two processes race.
        os.link(temp, path)
    except FileExistsError:
        return _read_device_id(path)
    finally:
        temp.unlink()
    logger.info("created device id %s", candidate)
    return candidate


def _read_device_id(path: Path) -> str:
    text = path.read_text().strip()
    with contextlib.suppress(ValueError):
        return str(uuid.UUID(text, version=4))
    raise SpoolError(
        f"the device id in {path} is not a UUID. Delete the file to register this device anew."
    )
