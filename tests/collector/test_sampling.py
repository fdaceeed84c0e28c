"""Samples and idle periods from scripted input (fakes at the `Desktop`/counter seam; no display).

Times are seconds after T0; the idle threshold is 60 s and a tick comes every 10 s.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.desktop import WindowInfo
from collector.input_counts import InputCounts
from collector.resources import Resources
from collector.rules import Rules, TrackingRules, WorkingHours
from collector.sampling import ActivitySample, Identity, IdleEvent, Sampler, Tick
from lakehouse.validation import validate_table

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
IDENTITY = Identity("acme", "alice", "dev-1", "sess-1", "0.1.0")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Desk:
    """A scripted desktop: the window in front and the moments of input."""

    def __init__(self) -> None:
        self.window: WindowInfo | None = WindowInfo("code", "sampling.py — project", 7)
        self.inputs: list[float] = [-1.0]  # seconds after T0
        self.now = 0.0
        self.taken_up_to = -1e9

    # Desktop
    def active_window(self) -> WindowInfo | None:
        return self.window

    def seconds_since_last_input(self) -> float:
        return self.now - max(t for t in self.inputs if t <= self.now)

    # Counter
    def take(self) -> InputCounts:
        fresh = [t for t in self.inputs if self.taken_up_to < t <= self.now]
        self.taken_up_to = self.now
        if not fresh:
            return InputCounts()
        return InputCounts(
            keystrokes=len(fresh), first_input_at=at(fresh[0]), last_input_at=at(fresh[-1])
        )

    # Meter
    def measure(self) -> Resources:
        return Resources(cpu_percent=0.5, rss_bytes=50_000_000)


def run(sampler: Sampler, desk: Desk, until: float, step: float = 10.0, start: float = 0.0) -> Tick:
    """Tick from `start` to `until` (inclusive), collecting every tick's samples and events."""
    total = Tick()
    t = start
    while t <= until:
        desk.now = t
        tick = sampler.tick(at(t))
        total.samples += tick.samples
        total.events += tick.events
        t += step
    return total


def make(threshold: float = 60, **rules: object) -> tuple[Sampler, Desk]:
    desk = Desk()
    tracking = TrackingRules(idle_threshold_seconds=threshold)
    sampler = Sampler(Rules(tracking=tracking, **rules), IDENTITY, desk, desk, desktop=desk)  # type: ignore[arg-type]
    return sampler, desk


def spans(samples: list[ActivitySample]) -> list[tuple[float, float, str, float]]:
    return [
        (
            (s.started_at - T0).total_seconds(),
            (s.ended_at - T0).total_seconds(),
            s.status,
            s.idle_seconds,
        )
        for s in samples
    ]


def test_steady_work_gives_active_samples_one_tick_late() -> None:
    sampler, desk = make()
    desk.inputs += [5, 15, 25, 35]
    tick = run(sampler, desk, until=40)
    assert spans(tick.samples) == [
        (0, 10, "active", 0),
        (10, 20, "active", 0),
        (20, 30, "active", 0),
    ]
    assert sampler.held_count == 1
    assert spans(sampler.flush(at(40)).samples) == [(30, 40, "active", 0)]


def test_an_idle_period_starts_at_the_last_input_not_at_the_threshold() -> None:
    sampler, desk = make()
    desk.inputs += [5, 205]
    before = run(sampler, desk, until=60)
    assert before.samples == []  # not yet known: the person may come back
    assert sampler.held_count == 6
    after = run(sampler, desk, start=70, until=210)
    assert after.events == [IdleEvent("idle_start", at(5)), IdleEvent("idle_end", at(205))]
    got = spans(after.samples)
    assert got[0] == (0, 10, "active", 5)  # active until the last input at 5 s
    assert got[1:] == [(t, t + 10, "idle", 10) for t in range(10, 200, 10)]
    assert spans(sampler.flush(at(210)).samples) == [(200, 210, "active", 5)]


def test_a_short_break_stays_active() -> None:
    sampler, desk = make()
    desk.inputs += [5, 50, 62]
    tick = run(sampler, desk, until=70)
    tick.samples += sampler.flush(at(70)).samples
    assert {s.status for s in tick.samples} == {"active"}
    assert sum(s.idle_seconds for s in tick.samples) == 0
    assert tick.events == []


def test_an_idle_period_that_fits_between_two_ticks_is_still_found() -> None:
    sampler, desk = make()
    desk.inputs += [5, 68]  # 63 s without input, noticed only when input returns
    tick = run(sampler, desk, until=70)
    assert tick.events == [IdleEvent("idle_start", at(5)), IdleEvent("idle_end", at(68))]
    assert spans(tick.samples) == [
        (0, 10, "active", 5),
        *[(t, t + 10, "idle", 10) for t in range(10, 60, 10)],
    ]
    assert spans(sampler.flush(at(70)).samples) == [(60, 70, "active", 8)]


def test_pausing_while_idle_hands_over_everything_and_closes_the_period() -> None:
    sampler, desk = make()
    tick = run(sampler, desk, until=100)
    flushed = sampler.flush(at(100))
    assert tick.events + flushed.events == [
        IdleEvent("idle_start", at(0)),
        IdleEvent("idle_end", at(100)),
    ]
    samples = tick.samples + flushed.samples
    assert spans(samples) == [(t, t + 10, "idle", 10) for t in range(0, 100, 10)]
    assert sampler.held_count == 0


def test_pausing_after_the_threshold_but_before_the_next_tick_closes_the_period() -> None:
    sampler, desk = make()
    desk.inputs += [5]
    tick = run(sampler, desk, until=60)
    assert tick.events == []
    desk.now = 68
    flushed = sampler.flush(at(68))
    assert flushed.events == [IdleEvent("idle_start", at(5)), IdleEvent("idle_end", at(68))]
    assert spans(flushed.samples)[-1] == (60, 68, "idle", 8)  # the pause closes the last sample
    assert sum(s.idle_seconds for s in flushed.samples) == 63


def test_input_just_before_a_pause_is_kept_in_a_last_short_sample() -> None:
    sampler, desk = make()
    desk.inputs += [5, 13, 14]
    run(sampler, desk, until=10)
    desk.now = 14.5
    flushed = sampler.flush(at(14.5))
    assert spans(flushed.samples) == [(0, 10, "active", 0), (10, 14.5, "active", 0)]
    assert flushed.samples[-1].counts.keystrokes == 2


def test_blocked_windows_give_no_rows_but_time_goes_on() -> None:
    sampler, desk = make(threshold=60)
    sampler.rules = Rules(tracking=TrackingRules(blocked_apps=("code",)))
    desk.inputs += [5, 15, 25]
    tick = run(sampler, desk, until=30)
    tick.samples += sampler.flush(at(30)).samples
    assert tick.samples == []
    sampler.rules = Rules()
    desk.inputs += [35]
    tick = run(sampler, desk, start=40, until=50)
    tick.samples += sampler.flush(at(50)).samples
    assert spans(tick.samples) == [(40, 50, "active", 0)]


def test_nothing_is_sampled_outside_working_hours() -> None:
    hours = WorkingHours(enabled=True, start=time(9, 1))  # T0 + 60 s
    sampler, desk = make(working_hours=hours)
    desk.inputs += [5, 15, 25, 65, 75]
    tick = run(sampler, desk, until=90)
    tick.samples += sampler.flush(at(90)).samples
    assert spans(tick.samples) == [(t, t + 10, "active", 0) for t in (60, 70, 80)]


def test_rows_fit_the_activity_schema() -> None:
    sampler, desk = make()
    desk.inputs += [5, 15]
    tick = run(sampler, desk, until=20)
    tick.samples += sampler.flush(at(20)).samples
    rows = [sample.to_row(batch_id="batch-1") for sample in tick.samples]
    table = validate_table("activity", rows, now=at(30))
    assert table.num_rows == 2
    assert rows[0]["app"] == "code"
    assert rows[0]["keystrokes"] == 1
    assert rows[0]["duration_seconds"] == 10
    assert "batch_id" not in tick.samples[0].to_row()


@pytest.mark.parametrize(
    ("window", "idle_now", "allowed"),
    [
        (WindowInfo("code", "x", 1), False, True),
        (WindowInfo("code", "x", 1), True, False),
        (WindowInfo("keepassxc", "bank", 2), False, False),
    ],
)
def test_screenshots_are_allowed_only_while_active_on_a_plain_window(
    window: WindowInfo, idle_now: bool, allowed: bool
) -> None:
    sampler, desk = make(threshold=60)
    sampler.rules = Rules(
        tracking=TrackingRules(idle_threshold_seconds=60, sensitive_apps=("keepassxc",))
    )
    desk.window = window
    desk.inputs += [] if idle_now else [55]
    desk.now = 0
    sampler.tick(at(0))
    desk.now = 60
    assert sampler.tick(at(60)).screenshot_allowed is allowed


def test_a_long_gap_between_ticks_is_not_one_long_sample() -> None:
    sampler, desk = make()
    desk.inputs += [5, 15]
    tick = run(sampler, desk, until=20)
    desk.inputs += [3605]  # the laptop slept for an hour; input right after waking up
    tick.samples += run(sampler, desk, start=3610, until=3620).samples
    tick.samples += sampler.flush(at(3620)).samples
    assert spans(tick.samples) == [
        (0, 10, "active", 0),
        (10, 20, "active", 0),
        (3610, 3620, "active", 0),
    ]


def test_a_clock_set_back_starts_afresh() -> None:
    sampler, desk = make()
    desk.inputs += [5]
    run(sampler, desk, until=10)
    desk.now = 0
    handed_over = sampler.tick(at(0)).samples  # the clock went back by 10 s
    desk.now = 10
    later = sampler.tick(at(10)).samples + sampler.flush(at(10)).samples
    assert spans(handed_over + later) == [(0, 10, "active", 0), (0, 10, "active", 0)]
    assert all(s.duration_seconds > 0 for s in handed_over + later)


@given(
    inputs=st.lists(st.integers(min_value=1, max_value=989), max_size=40, unique=True),
    threshold=st.sampled_from([15, 60, 200]),
    paused_after_seconds=st.integers(min_value=0, max_value=9),
)
@settings(max_examples=150, deadline=None)
def test_samples_tile_the_session_and_idle_time_is_exactly_the_long_gaps(
    inputs: list[int], threshold: int, paused_after_seconds: int
) -> None:
    sampler, desk = make(threshold=threshold)
    desk.inputs += sorted(inputs)
    tick = run(sampler, desk, until=990)
    end = desk.now = 990 + paused_after_seconds  # paused between two ticks (or on one)
    flushed = sampler.flush(at(end))
    samples = sorted(tick.samples + flushed.samples, key=lambda s: s.started_at)

    assert [s.started_at for s in samples[1:]] == [s.ended_at for s in samples[:-1]]
    assert (samples[0].started_at, samples[-1].ended_at) == (at(0), at(end))
    for sample in samples:
        assert 0 <= sample.idle_seconds <= sample.duration_seconds
        if sample.status == "idle":
            assert sample.counts.keystrokes == 0
            assert sample.idle_seconds == sample.duration_seconds

    moments = sorted(inputs)
    expected = sum(
        b - max(a, 0) for a, b in itertools.pairwise([-1, *moments]) if b - a >= threshold
    )
    last = max(moments, default=-1)
    expected += end - max(last, 0) if end - last >= threshold else 0
    assert sum(s.idle_seconds for s in samples) == pytest.approx(expected)
    events = tick.events + flushed.events
    assert [e.kind for e in events] == ["idle_start", "idle_end"] * (len(events) // 2)
