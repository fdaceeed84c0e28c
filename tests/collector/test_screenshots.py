"""Screenshots on a real X server (two 1920x1080 monitors side by side) and their schedule."""

from __future__ import annotations

import io
import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageFilter, ImageStat

from collector.rules import ScreenshotRules
from collector.sampling import Identity
from collector.screenshots import Capture, ScreenshotScheduler, capture
from lakehouse.validation import validate_table

FULL = {"max_width_px": 3840, "max_height_px": 1080}  # no resizing


def shots(**rules: object) -> list[Capture]:
    return capture(ScreenshotRules.model_validate(rules))


def layout(captures: list[Capture]) -> list[tuple[int, int, int]]:
    return [(c.display_id, c.width, c.height) for c in captures]


def decoded(shot: Capture) -> Image.Image:
    image = Image.open(io.BytesIO(shot.image))
    assert image.format == shot.format.upper()
    assert image.size == (shot.width, shot.height)
    assert shot.size_bytes == len(shot.image)
    return image


@pytest.fixture
def right_window(titled_window: Callable[..., object]) -> None:
    """A window on the right monitor only, so that the two monitors look different."""
    titled_window("right side", geometry="120x40+2100+100")


@pytest.mark.display
@pytest.mark.usefixtures("right_window")
class TestMonitorModes:
    def test_all_monitors_combined_is_the_whole_3840x1080_desktop(self) -> None:
        captured = shots(**FULL, monitor_mode="all", combine_monitors=True)
        assert layout(captured) == [(0, 3840, 1080)]
        assert "+" in captured[0].display_label
        decoded(captured[0])

    def test_all_monitors_individually_are_two_1920x1080_images(self) -> None:
        left, right = shots(**FULL, monitor_mode="all", combine_monitors=False)
        assert layout([left, right]) == [(1, 1920, 1080), (2, 1920, 1080)]
        # The window on the right monitor shows in the right image only.
        left_spread = ImageStat.Stat(decoded(left).convert("L")).stddev[0]
        right_spread = ImageStat.Stat(decoded(right).convert("L")).stddev[0]
        assert right_spread > left_spread + 5

    def test_primary_and_selected_monitors(self) -> None:
        assert layout(shots(**FULL, monitor_mode="primary")) == [(1, 1920, 1080)]
        assert layout(shots(**FULL, monitor_mode="selected", monitor_ids=[2])) == [(2, 1920, 1080)]
        both = shots(**FULL, monitor_mode="selected", monitor_ids=[1, 2], combine_monitors=True)
        assert layout(both) == [(0, 3840, 1080)]
        assert shots(**FULL, monitor_mode="selected", monitor_ids=[7]) == []

    def test_images_shrink_to_the_maximum_keeping_the_aspect_ratio(self) -> None:
        combined = shots(monitor_mode="all", max_width_px=1920, max_height_px=1080)
        assert layout(combined) == [(0, 1920, 540)]
        each = shots(
            monitor_mode="all", combine_monitors=False, max_width_px=960, max_height_px=960
        )
        assert layout(each) == [(1, 960, 540), (2, 960, 540)]
        small = shots(monitor_mode="primary", max_width_px=4000, max_height_px=270)
        assert layout(small) == [(1, 480, 270)]  # never enlarged, only fitted

    def test_default_encoding_is_a_small_jpeg(self) -> None:
        (shot,) = shots(monitor_mode="primary")
        assert shot.format == "jpeg"
        assert (shot.width, shot.height) == (1280, 720)
        assert shot.size_bytes < 150_000
        decoded(shot)

    def test_webp_is_available(self) -> None:
        (shot,) = shots(monitor_mode="selected", monitor_ids=[2], format="webp", quality=70)
        assert shot.format == "webp"
        decoded(shot)

    def test_blur_makes_the_text_unreadable(self) -> None:
        (sharp,) = shots(**FULL, monitor_mode="selected", monitor_ids=[2], quality=90)
        (blurred,) = shots(**FULL, monitor_mode="selected", monitor_ids=[2], quality=90, blur=True)
        assert blurred.blurred
        assert not sharp.blurred
        assert (blurred.width, blurred.height) == (1920, 1080)

        def edges(shot: Capture) -> float:
            image = decoded(shot).convert("L").filter(ImageFilter.FIND_EDGES)
            return float(ImageStat.Stat(image).mean[0])

        assert edges(blurred) < edges(sharp) / 3


@pytest.mark.display
def test_screenshot_rows_fit_the_schema(x_display: object) -> None:
    (shot,) = shots(monitor_mode="primary")
    ids = Identity("acme", "alice", "dev-1", "sess-1", "0.1.0")
    row = shot.to_row(
        capture_id="cap-1",
        identity=ids,
        ts=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        object_path="landing/images/company=acme/user=alice/date=2026-11-23/cap-1.jpeg.sealed",
        app="xterm",
        title="right side",
        batch_id="batch-1",
    )
    table = validate_table("screenshots", [row], now=datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    assert table.column("size_bytes").to_pylist() == [shot.size_bytes]


# The schedule: pure, with a seeded random source and simulated minutes.
START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def simulate(
    scheduler: ScreenshotScheduler, hours: int, allowed: Callable[[datetime], bool] = lambda _: True
) -> list[datetime]:
    taken = []
    for second in range(0, hours * 3600, 10):  # the agent asks every 10 s
        now = START + timedelta(seconds=second)
        if scheduler.due(now, allowed(now)):
            scheduler.mark_taken(now)
            taken.append(now)
    return taken


def test_n_shots_per_hour_at_random_moments_within_each_interval() -> None:
    taken = simulate(ScreenshotScheduler(per_hour=6, rng=random.Random(1)), hours=5)
    assert len(taken) == 30
    for hour in range(5):
        in_hour = [t for t in taken if t.hour == hour]
        assert len(in_hour) == 6
    offsets = {(t - START).total_seconds() % 600 for t in taken}
    assert len(offsets) > 12  # moments vary (in 10 s ticks): nobody can time their screen to them


def test_jitter_keeps_shots_near_the_start_of_their_interval() -> None:
    taken = simulate(ScreenshotScheduler(per_hour=6, jitter_seconds=120, rng=random.Random(2)), 3)
    assert len(taken) == 18
    assert all((t - START).total_seconds() % 600 <= 130 for t in taken)


def test_never_two_in_a_burst_even_after_a_long_pause() -> None:
    # Not allowed (idle or paused) for 25 minutes in every hour: missed shots are not made up.
    def allowed(now: datetime) -> bool:
        return now.minute >= 25

    taken = simulate(
        ScreenshotScheduler(per_hour=12, rng=random.Random(3)), hours=4, allowed=allowed
    )
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(taken)]
    assert min(gaps) >= 150  # half of the 300 s interval
    assert all(t.minute >= 25 for t in taken)
    assert len(taken) <= 4 * 8


def test_nothing_is_due_while_not_allowed_or_switched_off() -> None:
    assert simulate(ScreenshotScheduler(per_hour=6), 2, allowed=lambda _: False) == []
    assert simulate(ScreenshotScheduler(per_hour=0), 2) == []


def test_a_failed_capture_is_retried_within_the_same_interval() -> None:
    scheduler = ScreenshotScheduler(per_hour=6, jitter_seconds=0, rng=random.Random(4))
    assert scheduler.due(START, True)
    assert scheduler.due(START + timedelta(seconds=10), True)  # not marked taken: still due
    scheduler.mark_taken(START + timedelta(seconds=10))
    assert not scheduler.due(START + timedelta(seconds=20), True)
