"""The real sensing behind the agent's `Source` seam: samples, idle events and screenshots.

    agent = assemble(settings, make_desktop_source(rules, agent_version="0.1.0"))

Each tick: the sampler's known samples become `activity` rows, its idle events `sessions` rows,
and when the scheduler says a screenshot is due (active, allowed by the rules, not a sensitive
window) the chosen monitors are captured, with a `screenshots` row per image. A failing capture
costs that screenshot only, never the samples of the tick.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from collector import desktop as platform_desktop
from collector.desktop.window import DesktopUnsupportedError
from collector.input_counts import InputCounter
from collector.privacy import Observation
from collector.resources import ResourceMeter
from collector.rules import Rules, ScreenshotRules
from collector.sampling import Desktop, Identity, IdleEvent, Sampler
from collector.screenshots import Capture, ScreenshotScheduler, capture
from collector.source import Observed, Shot

log = logging.getLogger(__name__)

ImagePath = Callable[[str, str, dt.date], str]  # (capture_id, format, day) -> landing path


class ImagePathMaker(Protocol):
    def image_path(self, capture_id: str, fmt: str, day: dt.date) -> str: ...


class DesktopSource:
    """Sensing for one work session; `close()` stops the input listeners."""

    def __init__(
        self,
        ids: Mapping[str, str],
        image_path: ImagePath,
        rules: Rules,
        agent_version: str,
        *,
        desktop: Desktop | None = None,
        counter: InputCounter | None = None,
        grab: Callable[[ScreenshotRules], list[Capture]] = capture,
    ) -> None:
        if desktop is None:
            support = platform_desktop.detect()
            if not support.ok:
                raise DesktopUnsupportedError(support.reason)
            desktop = platform_desktop
        self.identity = Identity(
            ids["company_id"], ids["user_id"], ids["device_id"], ids["session_id"], agent_version
        )
        self._image_path = image_path
        self._grab = grab
        self._counter = counter or InputCounter()
        self._counter.start()
        self._sampler = Sampler(rules, self.identity, self._counter, ResourceMeter(), desktop)
        self._scheduler = _scheduler_for(rules.screenshots)
        self.rules = rules

    @property
    def counter(self) -> InputCounter:
        """The input counter (its `peek()` shows this sample's counts so far)."""
        return self._counter

    def apply_rules(self, rules: Rules) -> None:
        """Use new company rules from the next tick on."""
        if (rules.screenshots.per_hour, rules.screenshots.jitter_seconds) != (
            self.rules.screenshots.per_hour,
            self.rules.screenshots.jitter_seconds,
        ):
            self._scheduler = _scheduler_for(rules.screenshots)
        self.rules = self._sampler.rules = rules

    def tick(self, now: dt.datetime) -> Observed:
        """Sense the interval that ends now."""
        self._counter.ensure_running()
        tick = self._sampler.tick(now)
        observed = self._rows(tick.samples, tick.events)
        if self._scheduler.due(now, tick.screenshot_allowed):
            self._screenshots(observed, now, tick.observation or Observation())
        return observed

    def flush(self, now: dt.datetime) -> Observed:
        """Hand over the samples held back to learn whether they were idle."""
        tick = self._sampler.flush(now)
        return self._rows(tick.samples, tick.events)

    def close(self) -> None:
        self._counter.stop()

    def _rows(self, samples: list[Any], events: list[IdleEvent]) -> Observed:
        observed = Observed(rows=[("activity", sample.to_row()) for sample in samples])
        observed.rows += [("sessions", self._event_row(event)) for event in events]
        return observed

    def _event_row(self, event: IdleEvent) -> dict[str, Any]:
        ids = self.identity
        return {
            "event_id": uuid.uuid4().hex,
            "company_id": ids.company_id,
            "user_id": ids.user_id,
            "device_id": ids.device_id,
            "session_id": ids.session_id,
            "ts": event.at,
            "kind": event.kind,
        }

    def _screenshots(self, observed: Observed, now: dt.datetime, seen: Observation) -> None:
        try:
            captures = self._grab(self.rules.screenshots)
        except Exception as e:  # a screen that cannot be grabbed costs the screenshot only
            log.warning("screenshot failed (%s); the next one is tried in its own interval", e)
            return
        day = now.astimezone(dt.UTC).date()
        for shot in captures:
            capture_id = uuid.uuid4().hex
            path = self._image_path(capture_id, shot.format, day)
            observed.shots.append(Shot(object_path=path, image=shot.image))
            row = shot.to_row(
                capture_id=capture_id,
                identity=self.identity,
                ts=now,
                object_path=path,
                app=seen.app,
                title=seen.title,
            )
            observed.rows.append(("screenshots", row))
        self._scheduler.mark_taken(now)
        log.info("took %d screenshot(s)", len(captures))


def _scheduler_for(rules: ScreenshotRules) -> ScreenshotScheduler:
    return ScreenshotScheduler(rules.per_hour, rules.jitter_seconds)


def make_desktop_source(
    rules: Rules, agent_version: str
) -> Callable[[Mapping[str, str], ImagePathMaker], DesktopSource]:
    """A source factory for `collector.agent.assemble` (it passes the ids and the batcher)."""

    def make(ids: Mapping[str, str], batcher: ImagePathMaker) -> DesktopSource:
        return DesktopSource(ids, batcher.image_path, rules, agent_version)

    return make
