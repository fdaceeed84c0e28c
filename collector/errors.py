"""The collector's exceptions.

Every error the collector raises on purpose derives from `CollectorError`. The agent's loop tells
two kinds apart: a `TickSkipped` costs one sample (the desktop was busy, a window vanished) and
the loop goes on; a `CollectorStopped` means going on would lose or leak data, so the agent stops
and says what to do::

    CollectorError
    ├── ConfigError              a setting is missing or wrong
    ├── TickSkipped              this tick's sample could not be taken; the next one may work
    ├── CollectorStopped         the agent cannot go on safely
    │   └── SpoolError           the spool folder cannot be used (permissions, disk)
    ├── SpoolCorruptError        one spool file is damaged; it was moved to quarantine
    └── UploadError              the lake could not be written; the object stays spooled
"""

from __future__ import annotations

from pathlib import Path


class CollectorError(Exception):
    """Base of every error raised on purpose by the collector."""


class ConfigError(CollectorError, ValueError):
    """A setting is missing or wrong."""


class TickSkipped(CollectorError):
    """This tick's sample could not be taken; the loop goes on with the next tick."""


class CollectorStopped(CollectorError):
    """The agent cannot go on without losing or leaking data."""


class SpoolError(CollectorStopped, OSError):
    """The spool folder cannot be used."""


class SpoolCorruptError(CollectorError):
    """A spool file is damaged; it was moved to the quarantine folder."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"spool file {path.name} is damaged ({reason}); it was moved to {path.parent}. "
            "The other spooled data is unaffected; send the file to support if it matters."
        )


class UploadError(CollectorError):
    """The lake could not be written; the object stays in the spool and is retried."""
