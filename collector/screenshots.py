"""Screenshots: when to take one, and grabbing, shrinking, blurring and encoding it.

`ScreenshotScheduler` splits the hour into `per_hour` equal slots and picks one random moment in
each (within `jitter_seconds` of the slot's start); a shot is due from that moment while the
agent says capturing is allowed, at most one per slot and never closer than half a slot to the
previous one, so a missed moment never turns into a burst. `capture()` grabs the chosen monitors
with mss (one image each, or one combined image), fits them into the maximum size keeping the
aspect ratio, blurs them if asked (shrink, blur, enlarge: ~5x faster than a full-size Gaussian
blur) and encodes them. mss and Pillow are imported on first capture: they need a display.
"""

from __future__ import annotations

import io
import logging
import math
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collector.activity import Identity
from collector.rules import ScreenshotRules

log = logging.getLogger(__name__)

COMBINED_DISPLAY_ID = 0  # the schema's display_id for an image of several monitors
BLUR_SHRINK = 4  # blur at a quarter of the size: as unreadable, a fraction of the cost
BLUR_RADIUS_PX = 3


class ScreenshotScheduler:
    """Decides when the next screenshot is due; the agent asks `due()` on every tick."""

    def __init__(
        self, per_hour: int, jitter_seconds: float | None = None, rng: random.Random | None = None
    ) -> None:
        self.per_hour = per_hour
        self.interval_seconds = 3600.0 / per_hour if per_hour > 0 else math.inf
        window = self.interval_seconds if jitter_seconds is None else jitter_seconds
        self.window_seconds = min(window, self.interval_seconds)
        self._rng = rng or random.Random()
        self._slot: int | None = None
        self._target: float = math.inf
        self._taken_slot: int | None = None
        self._last_taken: float = -math.inf

    def due(self, now: datetime, allowed: bool) -> bool:
        """True when a shot should be taken now; call `mark_taken()` once it was."""
        if self.per_hour <= 0 or not allowed:
            return False
        stamp = now.timestamp()
        slot = int(stamp // self.interval_seconds)
        if slot != self._slot:
            self._slot = slot
            start = slot * self.interval_seconds
            self._target = start + self._rng.uniform(0.0, self.window_seconds)
        if self._taken_slot == slot:
            return False
        earliest = max(self._target, self._last_taken + self.interval_seconds / 2)
        return stamp >= earliest

    def mark_taken(self, now: datetime) -> None:
        """Record that the due shot was taken (at `now`)."""
        self._taken_slot = int(now.timestamp() // self.interval_seconds)
        self._last_taken = now.timestamp()


@dataclass(frozen=True, slots=True)
class Capture:
    """One encoded image and what the `screenshots` row says about it."""

    image: bytes
    display_id: int  # 0 = several monitors combined, else the mss monitor number (1 = first)
    display_label: str
    width: int
    height: int
    format: str  # "jpeg" | "webp"
    blurred: bool

    @property
    def size_bytes(self) -> int:
        return len(self.image)

    def to_row(
        self,
        *,
        capture_id: str,
        identity: Identity,
        ts: datetime,
        object_path: str,
        app: str | None,
        title: str | None,
        batch_id: str | None = None,
    ) -> dict[str, Any]:
        """The row of `lakehouse.schema.SCREENSHOTS` (without batch_id unless given)."""
        row: dict[str, Any] = {
            "capture_id": capture_id,
            "company_id": identity.company_id,
            "user_id": identity.user_id,
            "device_id": identity.device_id,
            "session_id": identity.session_id,
            "ts": ts,
            "display_id": self.display_id,
            "display_label": self.display_label,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "size_bytes": self.size_bytes,
            "blurred": self.blurred,
            "object_path": object_path,
            "app": app,
            "title": title,
        }
        if batch_id is not None:
            row["batch_id"] = batch_id
        return row


@dataclass(frozen=True, slots=True)
class _Region:
    display_id: int
    label: str
    box: dict[str, int]  # mss monitor dict: left, top, width, height


def capture(rules: ScreenshotRules) -> list[Capture]:
    """Grab the monitors the rules choose and return them encoded (empty if none matches)."""
    import mss

    with mss.MSS() as screen:
        regions = choose_regions(screen.monitors, rules)
        return [_encode(_grab(screen, region), region, rules) for region in regions]


def choose_regions(monitors: list[dict[str, Any]], rules: ScreenshotRules) -> list[_Region]:
    """The areas to grab: mss's `monitors` list has the union first, then each monitor."""
    numbered = list(enumerate(monitors))[1:]
    if rules.monitor_mode == "primary":
        primary = [(i, m) for i, m in numbered if m.get("is_primary")]
        chosen = (primary or numbered)[:1]
    elif rules.monitor_mode == "selected":
        chosen = [(i, m) for i, m in numbered if i in rules.monitor_ids]
        if not chosen:
            log.warning("none of the selected monitors %s exists; no screenshot", rules.monitor_ids)
    else:
        chosen = numbered
    regions = [_Region(i, _label(i, m), _box(m)) for i, m in chosen]
    if rules.combine_monitors and len(regions) > 1:
        return [_union(regions)]
    return regions


def _label(number: int, monitor: dict[str, Any]) -> str:
    return str(monitor.get("output") or monitor.get("name") or f"monitor {number}")


def _box(monitor: dict[str, Any]) -> dict[str, int]:
    return {key: int(monitor[key]) for key in ("left", "top", "width", "height")}


def _union(regions: list[_Region]) -> _Region:
    left = min(r.box["left"] for r in regions)
    top = min(r.box["top"] for r in regions)
    right = max(r.box["left"] + r.box["width"] for r in regions)
    bottom = max(r.box["top"] + r.box["height"] for r in regions)
    box = {"left": left, "top": top, "width": right - left, "height": bottom - top}
    label = "+".join(r.label for r in regions)
    return _Region(COMBINED_DISPLAY_ID, label, box)


def _grab(screen: Any, region: _Region) -> Any:
    from PIL import Image

    shot = screen.grab(region.box)
    # `shot.raw`, not `shot.bgra`: the latter is a copy (8 MB for 1920x1080) the agent would
    # hold at its memory peak for nothing.
    return Image.frombytes("RGB", shot.size, shot.raw, "raw", "BGRX")


def _encode(image: Any, region: _Region, rules: ScreenshotRules) -> Capture:
    image = fit(image, rules.max_width_px, rules.max_height_px)
    if rules.blur:
        image = blur(image)
    return Capture(
        image=encode(image, rules.format, rules.quality),
        display_id=region.display_id,
        display_label=region.label,
        width=image.width,
        height=image.height,
        format=rules.format,
        blurred=rules.blur,
    )


def fit(image: Any, max_width_px: int, max_height_px: int) -> Any:
    """Shrink (never enlarge) to fit the maximum size, keeping the aspect ratio."""
    from PIL import Image

    scale = min(max_width_px / image.width, max_height_px / image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def blur(image: Any) -> Any:
    """Make text unreadable quickly: shrink by 4, blur a little, enlarge back."""
    from PIL import Image, ImageFilter

    small_size = (max(1, image.width // BLUR_SHRINK), max(1, image.height // BLUR_SHRINK))
    small = image.resize(small_size, Image.Resampling.BOX)
    small = small.filter(ImageFilter.GaussianBlur(BLUR_RADIUS_PX))
    return small.resize(image.size, Image.Resampling.BILINEAR)


def encode(image: Any, image_format: str, quality: int) -> bytes:
    """JPEG or WebP bytes; WebP at method 0, since method 4 costs 100-200 ms per image."""
    buffer = io.BytesIO()
    if image_format == "webp":
        image.save(buffer, "WEBP", quality=quality, method=0)
    else:
        image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
