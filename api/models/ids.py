"""Ids that clients generate (device, session, event): safe in paths and lake layouts."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
