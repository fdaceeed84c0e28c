"""Input counting against a real X server with xdotool input: exact counts, never key identities."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from collector.input_counts import InputCounter, InputCountingError, InputCounts

pytestmark = pytest.mark.display


def _add(a: InputCounts, b: InputCounts) -> InputCounts:
    return InputCounts(
        keystrokes=a.keystrokes + b.keystrokes,
        clicks=a.clicks + b.clicks,
        scrolls=a.scrolls + b.scrolls,
        mouse_distance_px=a.mouse_distance_px + b.mouse_distance_px,
        first_input_at=a.first_input_at or b.first_input_at,
        last_input_at=b.last_input_at or a.last_input_at,
    )


def _collect(counter: InputCounter, done: Callable[[InputCounts], bool]) -> InputCounts:
    """Take counts until `done` holds, then a little longer so that extra events would show."""
    total = InputCounts()
    deadline = time.monotonic() + 20  # generous: the machine may be busy
    while not done(total) and time.monotonic() < deadline:
        time.sleep(0.05)
        total = _add(total, counter.take())
    time.sleep(0.3)
    return _add(total, counter.take())


@pytest.fixture
def counter(
    x_display: object, titled_window: Callable[..., object], xdotool
) -> Iterator[InputCounter]:
    titled_window("input target")
    counter = InputCounter()
    counter.start()
    yield counter
    counter.stop()
    xdotool.nudge()


def test_typed_keys_are_counted_exactly(counter: InputCounter, xdotool) -> None:
    xdotool.type("hello world")
    counts = _collect(counter, lambda c: c.keystrokes >= 11)
    assert counts.keystrokes == 11
    assert counts.clicks == counts.scrolls == 0
    assert counts.first_input_at is not None
    assert counts.last_input_at is not None
    assert counts.first_input_at <= counts.last_input_at


def test_a_held_key_counts_once_despite_autorepeat(counter: InputCounter, xdotool) -> None:
    xdotool.hold_key("a", 0.9)  # X autorepeat starts after 660 ms and fires 25 times a second
    counts = _collect(counter, lambda c: c.keystrokes >= 1)
    assert counts.keystrokes == 1


def test_clicks_and_scroll_steps_are_counted_apart(counter: InputCounter, xdotool) -> None:
    xdotool.click(1, repeat=3)
    xdotool.click(3)
    xdotool.scroll(4)
    xdotool.scroll(-2)
    counts = _collect(counter, lambda c: c.clicks >= 4 and c.scrolls >= 6)
    assert (counts.clicks, counts.scrolls, counts.keystrokes) == (4, 6, 0)


def test_mouse_distance_is_the_path_length_in_pixels(counter: InputCounter, xdotool) -> None:
    xdotool.move(0, 0)
    _collect(counter, lambda c: c.first_input_at is not None)
    xdotool.move(300, 400)  # 500 px
    xdotool.move(300, 0)  # 400 px
    counts = _collect(counter, lambda c: c.mouse_distance_px >= 900)
    assert counts.mouse_distance_px == 900


def test_take_resets_the_counts(counter: InputCounter, xdotool) -> None:
    xdotool.type("ab")
    assert _collect(counter, lambda c: c.keystrokes >= 2).keystrokes == 2
    assert counter.take() == InputCounts()


def test_counting_survives_a_failing_callback_and_logs_no_keys(
    x_display: object, titled_window, xdotool, caplog: pytest.LogCaptureFixture
) -> None:
    titled_window("input target")
    failures = iter([True])

    def flaky_clock() -> float:
        if next(failures, False):
            raise RuntimeError("clock broke")
        return time.time()

    counter = InputCounter(clock=flaky_clock)
    counter.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="collector.input_counts"):
            xdotool.type("qz")
            counts = _collect(counter, lambda c: c.keystrokes >= 2)
        assert counts.keystrokes == 2
        assert counter.callback_errors == 1
        assert counter.running
        assert "clock broke" not in caplog.text
        assert "'q'" not in caplog.text
        assert "'z'" not in caplog.text
    finally:
        counter.stop()
        xdotool.nudge()


def test_a_dead_listener_is_restarted_and_a_stopped_counter_restarts(
    counter: InputCounter, xdotool
) -> None:
    counter._listeners[0].stop()  # a listener dying under us, as pynput does on internal errors
    xdotool.type("x")  # pynput's thread only ends on the next event
    deadline = time.monotonic() + 5
    while counter.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counter.ensure_running() is True
    counter.take()
    xdotool.type("yz")
    assert _collect(counter, lambda c: c.keystrokes >= 2).keystrokes == 2

    counter.stop()
    assert counter.ensure_running() is False  # stopped on purpose: stays stopped
    counter.start()
    xdotool.type("abc")
    assert _collect(counter, lambda c: c.keystrokes >= 3).keystrokes == 3


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_display_without_input_access_fails_fast_with_a_reason(
    x_display: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pynput  # imported while DISPLAY is good, as the agent does

    assert pynput
    monkeypatch.setenv("DISPLAY", ":987")  # no such X server: the listeners die before ready
    counter = InputCounter()
    counter.start_timeout_seconds = 3
    started = time.monotonic()
    with pytest.raises(InputCountingError, match="cannot be counted"):
        counter.start()
    assert time.monotonic() - started < 3
    assert not counter.running
    assert counter.ensure_running() is False  # retried later, without blocking the tick
