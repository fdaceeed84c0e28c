"""The collector's log: rotating files in the platform's log folder.

The code logs ids and counts only, never window titles, URLs, screenshots, passwords or
tokens; as a second line of defence, anything shaped like a bearer token or a JWT is blanked
before a record reaches the file.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

import platformdirs

LOG_FILE = "collector.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
_SECRETS = re.compile(
    r"(Bearer\s+)\S+|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+", re.IGNORECASE
)


def log_folder() -> Path:
    override = os.environ.get("TEAMTRECK_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir("teamtreck"))


class SecretFilter(logging.Filter):
    """Blanks token-shaped text in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRETS.sub(lambda m: (m.group(1) or "") + "[hidden]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the collector's log records to a rotating file; returns its path."""
    folder = folder or log_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    os.chmod(path, 0o600)
    return path
