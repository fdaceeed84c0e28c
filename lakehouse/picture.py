"""Small real JPEG images for simulated screenshots, drawn without an imaging library.

The lake's reader side does not depend on Pillow, so the simulator encodes baseline JPEG itself.
Pictures are made of flat 8×8 blocks (a desktop with a window in the app's colour), so every
block is just its average colour (the DC coefficient; all other coefficients are zero) and the
encoder stays a few lines: colour conversion, DC differences, Huffman codes, byte stuffing.
"""

from __future__ import annotations

import struct
from typing import Final

import numpy as np

_QUANT: Final = 8  # every coefficient divided by 8: a flat block's DC is then its level - 128
_DC_BITS: Final = (
    0,
    1,
    5,
    1,
    1,
    1,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
)  # the standard luminance DC table
_DC_VALUES: Final = tuple(range(12))
_AC_BITS: Final = (1,) + (0,) * 15  # one code, "0", for end-of-block: no AC coefficients
_AC_VALUES: Final = (0x00,)


def _codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Return {symbol: (code, length)} of a canonical Huffman table."""
    codes, code, k = {}, 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code, k = code + 1, k + 1
        code <<= 1
    return codes


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def _headers(width: int, height: int) -> bytes:
    jfif = _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = _segment(0xFFDB, b"\x00" + bytes([_QUANT] * 64))
    components = b"".join(bytes([i, 0x11, 0]) for i in (1, 2, 3))
    sof = _segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 3) + components)
    dht = _segment(0xFFC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES))
    dht += _segment(0xFFC4, b"\x10" + bytes(_AC_BITS) + bytes(_AC_VALUES))
    sos = _segment(
        0xFFDA, b"\x03" + b"".join(bytes([i, 0x00]) for i in (1, 2, 3)) + b"\x00\x3f\x00"
    )
    return b"\xff\xd8" + jfif + dqt + sof + dht + sos


def _block_levels(pixels: np.ndarray) -> np.ndarray:
    """Return the mean Y, Cb, Cr of each 8×8 block, shape (rows, cols, 3)."""
    rgb = pixels.astype(np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    ycc = np.stack(
        [
            0.299 * r + 0.587 * g + 0.114 * b,
            128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
            128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
        ],
        axis=-1,
    )
    h, w = ycc.shape[0] // 8, ycc.shape[1] // 8
    levels: np.ndarray = ycc.reshape(h, 8, w, 8, 3).mean(axis=(1, 3))
    return levels


def _scan(levels: np.ndarray) -> bytes:
    dc, eob = _codes(_DC_BITS, _DC_VALUES), _codes(_AC_BITS, _AC_VALUES)[0]
    bits: list[str] = []
    previous = [0, 0, 0]
    for block in levels.reshape(-1, 3):
        for c in range(3):
            value = round(block[c] - 128)
            diff, previous[c] = value - previous[c], value
            size = abs(diff).bit_length()
            code, length = dc[size]
            bits.append(format(code, f"0{length}b"))
            if size:
                bits.append(format(diff if diff > 0 else diff + (1 << size) - 1, f"0{size}b"))
            bits.append(format(eob[0], f"0{eob[1]}b"))
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)
    data = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    return data.replace(b"\xff", b"\xff\x00")


def render_jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """Return a JPEG of a desktop with one window of `colour` (sizes multiples of 8 look best)."""
    padded_h, padded_w = -(-height // 8) * 8, -(-width // 8) * 8
    pixels = np.full((padded_h, padded_w, 3), 60, dtype=np.uint8)
    top, left = (height // 64) * 8 + 8, (width // 80) * 8 + 8
    pixels[top : height - top, left : width - left] = colour
    pixels[top : top + 8, left : width - left] = (230, 230, 230)  # the window's title bar
    return _headers(width, height) + _scan(_block_levels(pixels)) + b"\xff\xd9"


def render_palette(count: int, width: int, height: int) -> list[bytes]:
    """Return `count` different desktop pictures (one window colour each)."""
    return [
        render_jpeg(width, height, (40 + (i * 67) % 200, 40 + (i * 131) % 200, 40 + (i * 29) % 200))
        for i in range(count)
    ]
