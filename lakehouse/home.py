"""The deployment folder: where a machine keeps its lake, keys, database and logs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "TEAMTRECK_HOME"


def teamtreck_home() -> Path:
    """Return the deployment folder (`$TEAMTRECK_HOME` or the platform data folder), created 0700.

    Sub-folders by convention: `lake/` (default local lake), `keys/` (key store),
    `db/` (the API's SQLite), `logs/`, `collector/` (spool and state).
    """
    configured = os.environ.get(HOME_ENV)
    home = Path(configured) if configured else Path(platformdirs.user_data_dir("teamtreck"))
    home = home.expanduser()
    if not home.exists():
        home.mkdir(parents=True, mode=0o700)
        home.chmod(0o700)  # the umask may have stripped owner bits from the mkdir mode
    return home
