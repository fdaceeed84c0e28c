"""Simulated workdays: one day of every table for a whole company, built with vectorized Arrow.

`generate_day` uses numpy and Arrow kernels only (no per-row Python), so a day of 1,000
people (2.9 million samples) takes a few seconds. Everything is deterministic for a given seed.
`lakehouse.simulate` writes the result to the lake.

Each simulated person works one 8-hour day in 10-second samples with a lunch pause, switches
between the apps and sites of `lakehouse.catalog`, goes idle now and then, and takes a few
screenshots (small real JPEG images) while active.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse import schema
from lakehouse.catalog import ACTIVITIES
from lakehouse.picture import render_palette

SAMPLE_SECONDS = 10
BATCH_SAMPLES = 12  # two minutes of samples per landing file, like the collector's uploads
IDLE_EVENT_MIN_SAMPLES = 18  # idle stretches of 3 minutes or more become session events
AGENT_VERSION = "0.1.0"


@dataclass(frozen=True)
class Workday:
    """How the simulated people work."""

    workday_seconds: int = 8 * 3600
    screenshots_per_hour: float = 2.0
    idle_share: float = 0.12  # share of stretches spent away from the keyboard
    mean_stretch_samples: float = 18.0  # how long one stays on one app (samples)
    robot_users: int = 0  # the last N users are "machine-like": a mouse jiggler / auto-clicker


@dataclass
class DayData:
    """One day of one company: every table as Arrow, plus the images the screenshot rows name."""

    day: dt.date
    activity: pa.Table
    screenshots: pa.Table
    sessions: pa.Table
    images: dict[str, bytes] = field(default_factory=dict)  # object_path -> image bytes


def user_ids(count: int) -> list[str]:
    """Return the simulated user ids: user-0001, user-0002, …"""
    return [f"user-{i:04d}" for i in range(1, count + 1)]


def hex_ids(rng: np.random.Generator, count: int) -> pa.StringArray:
    """Return `count` random 32-hex-digit ids as one Arrow array, without a Python loop."""
    text = rng.bytes(16 * count).hex().encode()
    offsets = np.arange(0, 32 * count + 1, 32, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(text))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _midnight_us(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * 1_000_000


@dataclass
class _Timeline:
    """Per-sample positions of every user's day (flattened: user-major, then time)."""

    users: int
    samples: int  # per user
    user: np.ndarray
    k: np.ndarray
    offset_s: np.ndarray
    lunch_k: np.ndarray


def _timeline(rng: np.random.Generator, users: int, work: Workday) -> _Timeline:
    samples = work.workday_seconds // SAMPLE_SECONDS
    samples -= samples % BATCH_SAMPLES
    start_s = 7 * 3600 + rng.integers(0, 3 * 360, users) * SAMPLE_SECONDS
    spread = max(1, samples // 8)
    lunch_k = np.clip(samples // 2 + rng.integers(-spread, spread, users), 1, samples - 1)
    lunch_s = rng.integers(30, 61, users) * 60
    user = np.repeat(np.arange(users), samples)
    k = np.tile(np.arange(samples), users)
    offset_s = start_s[user] + k * SAMPLE_SECONDS + (k >= lunch_k[user]) * lunch_s[user]
    return _Timeline(users, samples, user, k, offset_s, lunch_k)


def _stretches(rng: np.random.Generator, tl: _Timeline, work: Workday) -> tuple[np.ndarray, ...]:
    """Cut the day into stretches; return (stretch id per sample, activity, idle flag, starts)."""
    n = tl.k.size
    switch = (rng.random(n) < 1.0 / work.mean_stretch_samples) | (tl.k == 0)
    switch |= tl.k == tl.lunch_k[tl.user]
    stretch = np.cumsum(switch) - 1
    starts = np.flatnonzero(switch)
    weights = np.array([a.weight for a in ACTIVITIES])
    kind = rng.choice(len(ACTIVITIES), size=starts.size, p=weights / weights.sum())
    idle = rng.random(starts.size) < work.idle_share
    return stretch, kind, idle, starts


def _inputs(
    rng: np.random.Generator, act: np.ndarray, idle: np.ndarray, robot: np.ndarray
) -> dict[str, pa.Array]:
    """Input counts per sample: none while idle; a machine's constant rhythm for robots."""
    n = act.size
    keys_mean = np.array([a.keys_per_sample for a in ACTIVITIES])[act]
    clicks_mean = np.array([a.clicks_per_sample for a in ACTIVITIES])[act]
    human = ~idle & ~robot
    counts = {
        "keystrokes": rng.poisson(keys_mean) * human,
        "clicks": rng.poisson(clicks_mean) * human + 3 * robot,
        "scrolls": rng.poisson(1.0, n) * human,
        "mouse_distance_px": rng.gamma(2.0, 300.0, n) * human + 400 * robot,
    }
    return {name: pa.array(values.astype(np.int32)) for name, values in counts.items()}


def _activity(
    rng: np.random.Generator,
    company: str,
    names: list[str],
    day: dt.date,
    tl: _Timeline,
    work: Workday,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    stretch, kind, idle_stretch, _starts = _stretches(rng, tl, work)
    n = tl.k.size
    act = kind[stretch]
    idle = idle_stretch[stretch]
    robot = tl.user >= tl.users - work.robot_users
    idle &= ~robot
    # As the collector records it: the part of the sample inside an idle period.
    idle_seconds = np.where(idle, SAMPLE_SECONDS, 0.0)
    batches = tl.users * (tl.samples // BATCH_SAMPLES)
    batch_index = tl.user * (tl.samples // BATCH_SAMPLES) + tl.k // BATCH_SAMPLES
    batch_id = hex_ids(rng, batches).take(pa.array(batch_index))
    seq = pc.cast(pa.array(tl.k % BATCH_SAMPLES), pa.string())
    user_arr = pa.array(names).take(pa.array(tl.user))
    device = _join("dev-", pa.array(names)).take(pa.array(tl.user))
    session = hex_ids(rng, tl.users).take(pa.array(tl.user))
    table = pa.table(
        {
            "sample_id": _join(batch_id, "-", seq),
            "batch_id": batch_id,
            "company_id": pa.repeat(company, n),
            "user_id": user_arr,
            "device_id": device,
            "session_id": session,
            "ts": pa.array(_midnight_us(day) + tl.offset_s * 1_000_000, schema.UTC_TS),
            "duration_seconds": pa.array(np.full(n, SAMPLE_SECONDS, np.float32)),
            "status": pa.array(["active", "idle"]).take(pa.array(idle.astype(np.int8))),
            "idle_seconds": pa.array(idle_seconds.astype(np.float32)),
            "app": pa.array([a.app for a in ACTIVITIES]).take(pa.array(act)),
            "title": pa.array([a.title for a in ACTIVITIES]).take(pa.array(act)),
            "url": pa.array([a.url for a in ACTIVITIES], pa.string()).take(pa.array(act)),
            "domain": pa.array([a.domain for a in ACTIVITIES], pa.string()).take(pa.array(act)),
            **_inputs(rng, act, idle, robot),
            "agent_cpu_percent": pa.array(rng.gamma(2.0, 0.4, n).astype(np.float32)),
            "agent_rss_bytes": pa.array(52_000_000 + rng.integers(0, 4_000_000, n)),
            "agent_version": pa.repeat(AGENT_VERSION, n),
        },
        schema=schema.ACTIVITY,
    )
    return table, idle, stretch


_SCREEN_W, _SCREEN_H = 160, 90


def _pick_shots(
    rng: np.random.Generator, idle: np.ndarray, tl: _Timeline, work: Workday
) -> np.ndarray:
    per_user = int(work.workday_seconds / 3600 * work.screenshots_per_hour)
    picks = (
        rng.integers(0, tl.samples, (tl.users, per_user))
        + (np.arange(tl.users) * tl.samples)[:, None]
    )
    rows = np.unique(picks.ravel())
    active: np.ndarray = rows[~idle[rows]]  # no screenshots while idle
    return active


def _images(shots: pa.Table, object_path: pa.Array) -> tuple[dict[str, bytes], pa.Array]:
    """Return the picture of what each screenshot shows (by object path), and their sizes."""
    kinds = {(a.app, a.title): i for i, a in enumerate(ACTIVITIES)}
    palette = render_palette(len(ACTIVITIES), _SCREEN_W, _SCREEN_H)
    paths = object_path.to_pylist()
    shown = zip(shots["app"].to_pylist(), shots["title"].to_pylist(), strict=True)
    images = {path: palette[kinds[key]] for path, key in zip(paths, shown, strict=True)}
    return images, pa.array([len(images[p]) for p in paths], pa.int64())


def _screenshots(
    rng: np.random.Generator,
    company: str,
    day: dt.date,
    activity: pa.Table,
    idle: np.ndarray,
    tl: _Timeline,
    work: Workday,
) -> tuple[pa.Table, dict[str, bytes]]:
    shots = activity.take(pa.array(_pick_shots(rng, idle, tl, work)))
    n = shots.num_rows
    capture = hex_ids(rng, n)
    user = shots["user_id"]
    prefix = _join("landing/images/company=", company, "/user=", user, f"/date={day.isoformat()}/")
    object_path = _join(prefix, capture, ".jpeg.sealed")
    images, sizes = _images(shots, object_path)
    table = pa.table(
        {
            "capture_id": capture,
            "batch_id": _join("shots-", user),
            "company_id": shots["company_id"],
            "user_id": user,
            "device_id": shots["device_id"],
            "session_id": shots["session_id"],
            "ts": pc.add(shots["ts"], pa.scalar(dt.timedelta(seconds=5))),
            "display_id": pa.array(np.zeros(n, np.int16)),
            "display_label": pa.repeat("all monitors", n),
            "width": pa.array(np.full(n, _SCREEN_W, np.int32)),
            "height": pa.array(np.full(n, _SCREEN_H, np.int32)),
            "format": pa.repeat("jpeg", n),
            "size_bytes": sizes,
            "blurred": pa.array(rng.random(n) < 0.1),
            "object_path": object_path,
            "app": shots["app"],
            "title": shots["title"],
        },
        schema=schema.SCREENSHOTS,
    )
    return table, images


def _sessions(
    rng: np.random.Generator,
    activity: pa.Table,
    idle: np.ndarray,
    stretch: np.ndarray,
    tl: _Timeline,
) -> pa.Table:
    ts = activity["ts"].to_numpy().astype("datetime64[us]").astype(np.int64)
    first = np.arange(tl.users) * tl.samples
    last = first + tl.samples - 1
    lunch = first + tl.lunch_k
    step_us = SAMPLE_SECONDS * 1_000_000
    events = [
        (first, ts[first], "start"),
        (lunch, ts[lunch - 1] + step_us, "pause"),
        (lunch, ts[lunch], "resume"),
        (last, ts[last] + step_us, "end"),
    ]
    starts = np.flatnonzero(np.diff(stretch, prepend=-1))
    ends = np.append(starts[1:], stretch.size) - 1
    long_idle = idle[starts] & (ends - starts + 1 >= IDLE_EVENT_MIN_SAMPLES)
    events.append((starts[long_idle], ts[starts[long_idle]], "idle_start"))
    events.append((ends[long_idle], ts[ends[long_idle]] + step_us, "idle_end"))
    rows = np.concatenate([e[0] for e in events])
    when = np.concatenate([e[1] for e in events])
    kind = np.concatenate([np.full(e[0].size, e[2]) for e in events])
    order = np.lexsort((when, rows // tl.samples))
    rows, when, kind = rows[order], when[order], kind[order]
    base = activity.take(pa.array(rows))
    n = rows.size
    return pa.table(
        {
            "event_id": hex_ids(rng, n),
            "batch_id": _join("sessions-", base["session_id"]),
            "company_id": base["company_id"],
            "user_id": base["user_id"],
            "device_id": base["device_id"],
            "session_id": base["session_id"],
            "ts": pa.array(when, schema.UTC_TS),
            "kind": pa.array(kind.tolist(), pa.string()),
        },
        schema=schema.SESSIONS,
    )


def generate_day(
    company_id: str, users: list[str], day: dt.date, seed: int = 0, work: Workday | None = None
) -> DayData:
    """Build one day of `company_id`'s data for `users`: activity, screenshots, sessions, images."""
    work = work or Workday()
    rng = np.random.default_rng([seed, day.toordinal(), len(users)])
    tl = _timeline(rng, len(users), work)
    activity, idle, stretch = _activity(rng, company_id, users, day, tl, work)
    screenshots, images = _screenshots(rng, company_id, day, activity, idle, tl, work)
    sessions = _sessions(rng, activity, idle, stretch, tl)
    return DayData(day, activity, screenshots, sessions, images)
