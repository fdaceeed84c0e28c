"""One activity row per sample interval, with idle time counted from the last input.

`Sampler.tick(now)` reads the front window, the idle time and the input counts, applies the
privacy rules, and returns the samples whose status is *known*. An idle period starts at the
last input, not when the threshold is crossed, so a sample without input is held until it is
known: input comes back within the threshold (it was active) or the threshold passes (it was
idle from the last input on). Rows can therefore arrive up to `idle_threshold_seconds` plus one
interval late; `flush()` hands over what is held when sampling pauses or ends.

Row semantics: `status` is "idle" iff the sample had no input and lies in an idle period;
`idle_seconds` is the exact part of the sample inside an idle period, so active time is
`duration_seconds - idle_seconds`. Blocked apps/domains and time outside working hours produce
no row at all. Only the first and last input of a sample are known, so an idle threshold shorter
than the sample interval cannot find gaps inside one sample.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from collector.activity import ActivitySample, Identity, IdleEvent
from collector.desktop.window import WindowInfo
from collector.errors import TickSkipped
from collector.input_counts import InputCounts
from collector.privacy import Observation, redact, screenshot_allowed, within_working_hours
from collector.resources import Resources
from collector.rules import Rules

__all__ = ["ActivitySample", "Desktop", "Identity", "IdleEvent", "Sampler", "Tick"]

log = logging.getLogger(__name__)


class Desktop(Protocol):
    """What the sampler reads from the platform (the `collector.desktop` module fits)."""

    def active_window(self) -> WindowInfo | None: ...

    def seconds_since_last_input(self) -> float: ...


class Counter(Protocol):
    def take(self) -> InputCounts: ...


class Meter(Protocol):
    def measure(self) -> Resources: ...


@dataclass
class Tick:
    """What one tick produced; `observation` and `screenshot_allowed` describe *now*."""

    samples: list[ActivitySample] = field(default_factory=list)
    events: list[IdleEvent] = field(default_factory=list)
    observation: Observation | None = None
    screenshot_allowed: bool = False


@dataclass
class _Held:
    sample: ActivitySample
    had_input: bool
    recorded: bool  # False for blocked apps/domains: the idle logic sees it, the lake never does


def _overlap_seconds(start: datetime, end: datetime, from_: datetime, to: datetime) -> float:
    return max(0.0, (min(end, to) - max(start, from_)).total_seconds())


class Sampler:
    """Turns ticks into activity samples and idle events; see the module docstring."""

    def __init__(
        self,
        rules: Rules,
        identity: Identity,
        counter: Counter,
        meter: Meter,
        desktop: Desktop | None = None,
        max_gap_seconds: float = 120.0,
    ) -> None:
        if desktop is None:
            from collector import desktop as platform_desktop

            desktop = platform_desktop
        self.rules = rules  # replaced as a whole when the company's rules change
        self.identity = identity
        self._desktop = desktop
        self._counter = counter
        self._meter = meter
        self._started_at: datetime | None = None
        self._held: list[_Held] = []
        self._last_input_at: datetime | None = None
        self._idle_since: datetime | None = None
        # A longer gap between ticks (suspend, a stalled process, the clock set back) is not
        # one sample: what came before is handed over and sampling starts afresh.
        self.max_gap_seconds = max_gap_seconds

    @property
    def held_count(self) -> int:
        """Samples waiting to learn whether they were idle."""
        return len(self._held)

    def begin(self, now: datetime) -> None:
        """Start a sample at `now`: note the last input, forget input counted before (paused)."""
        idle_seconds = self._desktop.seconds_since_last_input()
        self._counter.take()
        self._meter.measure()
        self._started_at = now
        self._last_input_at = now - timedelta(seconds=idle_seconds)

    def tick(self, now: datetime) -> Tick:
        """Close the sample running since the previous tick; return the samples now known."""
        restart, start = self._restart(now), self._started_at
        if restart is not None or start is None:
            return restart or Tick()
        window = self._desktop.active_window()
        idle_seconds = self._desktop.seconds_since_last_input()
        counts, resources = self._counter.take(), self._meter.measure()
        self._started_at = now
        observation = redact(window, self.rules)
        last_input_at = now - timedelta(seconds=idle_seconds)
        if counts.last_input_at is not None:  # the X idle counter and pynput agree within ms
            last_input_at = max(last_input_at, counts.last_input_at)
        sample = ActivitySample(
            sample_id=uuid.uuid4().hex,
            started_at=start,
            ended_at=now,
            status="active",
            idle_seconds=0.0,
            observation=observation or Observation(),
            counts=counts,
            resources=resources,
            identity=self.identity,
        )
        held = _Held(sample, counts.any_input or last_input_at > start, observation is not None)
        tick = self._advance(held, now, last_input_at, counts.first_input_at)
        tick.observation = observation
        idle_now = idle_seconds >= self.rules.tracking.idle_threshold_seconds
        tick.screenshot_allowed = not idle_now and screenshot_allowed(observation, self.rules, now)
        return tick

    def _restart(self, now: datetime) -> Tick | None:
        """Outside working hours, before the first tick and after a gap: no sample this tick."""
        if not within_working_hours(self.rules, now):
            tick = self.flush(now)
            self._counter.take()  # input outside working hours is not counted
            return tick
        if self._started_at is None:
            self.begin(now)
            return Tick()
        gap_seconds = (now - self._started_at).total_seconds()
        if 0 < gap_seconds <= self.max_gap_seconds:
            return None
        log.warning("%.0f s between two ticks; starting a new sample", gap_seconds)
        tick = self.flush(self._started_at)
        self.begin(now)
        return tick

    def flush(self, now: datetime) -> Tick:
        """Close the running sample at `now`, hand over every held sample and close an open
        idle period (on pause, end or quit). Never raises: held samples must not be lost."""
        tick = self._close_partial(now)
        if self._held:
            period_start = self._idle_start_if_due(now)
            if period_start is not None:
                tick.events.append(IdleEvent("idle_start", period_start))
                self._resolve_idle(tick, period_start, now)
                self._idle_since = period_start  # closed just below: the pause ends it
            else:
                self._release(tick)
        if self._idle_since is not None:
            tick.events.append(IdleEvent("idle_end", now))
            self._idle_since = None
        self._started_at = None
        return tick

    def _close_partial(self, now: datetime) -> Tick:
        start = self._started_at
        if start is None or not 0 < (now - start).total_seconds() <= self.max_gap_seconds:
            return Tick()
        if not within_working_hours(self.rules, now):
            return Tick()
        try:
            return self.tick(now)
        except TickSkipped as e:
            log.info("the last partial sample was skipped: %s", e)
            return Tick()

    def _advance(
        self, held: _Held, now: datetime, last_input_at: datetime, first_input_at: datetime | None
    ) -> Tick:
        tick = Tick()
        if held.had_input:
            first = min(max(first_input_at or last_input_at, held.sample.started_at), now)
            self._end_idle(tick, held, first)
            self._held.append(held)  # the idle period may yet start inside this sample
        elif self._idle_since is not None:
            idle = replace(held.sample, status="idle", idle_seconds=held.sample.duration_seconds)
            self._emit(tick, _Held(idle, False, held.recorded))
        else:
            self._held.append(held)
            self._last_input_at = last_input_at
            period_start = self._idle_start_if_due(now)
            if period_start is not None:
                tick.events.append(IdleEvent("idle_start", period_start))
                self._resolve_idle(tick, period_start, now)
                self._idle_since = period_start
            return tick
        self._last_input_at = last_input_at
        return tick

    def _end_idle(self, tick: Tick, held: _Held, first_input: datetime) -> None:
        """Input arrived: close the idle period it ends, if there is one, else release the held."""
        threshold = timedelta(seconds=self.rules.tracking.idle_threshold_seconds)
        period_start = self._idle_since
        last = self._last_input_at
        if period_start is None and last is not None and first_input - last >= threshold:
            # The whole idle period fell between two ticks (or began before the first one).
            first_held = self._held[0] if self._held else held
            period_start = max(last, first_held.sample.started_at)
            tick.events.append(IdleEvent("idle_start", period_start))
        if period_start is None:
            self._release(tick)
            return
        self._resolve_idle(tick, period_start, first_input)
        start, end = held.sample.started_at, held.sample.ended_at
        idle = _overlap_seconds(start, end, period_start, first_input)
        held.sample = replace(held.sample, idle_seconds=idle)
        tick.events.append(IdleEvent("idle_end", first_input))
        self._idle_since = None

    def _idle_start_if_due(self, now: datetime) -> datetime | None:
        threshold = timedelta(seconds=self.rules.tracking.idle_threshold_seconds)
        if not self._held or self._last_input_at is None or now - self._last_input_at < threshold:
            return None
        return max(self._last_input_at, self._held[0].sample.started_at)

    def _resolve_idle(self, tick: Tick, period_start: datetime, period_end: datetime) -> None:
        for held in self._held:
            start, end = held.sample.started_at, held.sample.ended_at
            # A sample can hold the end of one idle period and the start of the next: add them.
            idle = held.sample.idle_seconds + _overlap_seconds(start, end, period_start, period_end)
            status: Literal["active", "idle"] = "active" if held.had_input else "idle"
            held.sample = replace(held.sample, status=status, idle_seconds=idle)
        self._release(tick)

    def _release(self, tick: Tick) -> None:
        for held in self._held:
            self._emit(tick, held)
        self._held = []

    @staticmethod
    def _emit(tick: Tick, held: _Held) -> None:
        if held.recorded:
            tick.samples.append(held.sample)
